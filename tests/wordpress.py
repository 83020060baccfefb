"""A real WordPress from Debian's packages (Apache with mod_php, MariaDB), started by a test
as CI starts Chromium: its own database server, its own Apache on a free port, its own
`wp-content` (Debian's themes, the project's plugin, one must-use plugin standing in for a
public address), nothing of the machine's own sites touched but one config file in
`/etc/wordpress` (where Debian's WordPress reads it), removed afterwards."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.live import free_port

HERE = Path(__file__).resolve().parent
PLUGIN = HERE.parent / "embed-snippets" / "wordpress" / "gupshup-widgets"
WP_CLI = HERE / "wordpress" / "wp.php"
MODULES = Path("/usr/lib/apache2/modules")

# WordPress refuses to fetch an embed from a loopback or private address unless this
# filter says the host is external: the test's stand-in for a widget server on a public
# name, as the blog owner's own would be.
PUBLIC_NAME = """<?php
add_filter('http_request_host_is_external', function ($external, $host) {
    return $external || $host === '%s';
}, 10, 2);
"""

APACHE = """
LoadModule mpm_prefork_module {modules}/mod_mpm_prefork.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule dir_module {modules}/mod_dir.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule alias_module {modules}/mod_alias.so
LoadModule env_module {modules}/mod_env.so
LoadModule php_module {modules}/libphp8.2.so
{user}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {root}/apache.pid
ErrorLog {root}/apache-error.log
TypesConfig /etc/mime.types
StartServers 4
MaxRequestWorkers 24
DocumentRoot /usr/share/wordpress
Alias /wp-content {root}/content
DirectoryIndex index.php
SetEnv WORDPRESS_CONFIG {config}
<Directory />
  Require all granted
</Directory>
<FilesMatch "\\.php$">
  SetHandler application/x-httpd-php
</FilesMatch>
"""

CONFIG = """<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '127.0.0.1:{db_port}');
define('WP_HOME', '{url}');
define('WP_SITEURL', '{url}');
define('WP_CONTENT_DIR', '{root}/content');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
{salts}
"""

SALTS = ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
         "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")


@dataclass
class WordPress:
    url: str
    root: Path
    env: dict[str, str]

    def cli(self, *args: str, stdin: str = "") -> str:
        done = subprocess.run(["php", str(WP_CLI), *args], input=stdin, env=self.env,
                              capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"wp.php {args[0]} failed: {done.stderr or done.stdout}")
        return done.stdout.strip().splitlines()[-1]

    def post(self, user: str, title: str, content: str) -> str:
        """The URL of a new published post by `user`, saved through that role's filters."""
        return self.cli("post", user, title, stdin=content)

    def content(self, url: str) -> str:
        """A post's content as WordPress stored it (what the role's filters left)."""
        done = subprocess.run(["php", str(WP_CLI), "content", url], env=self.env,
                              capture_output=True, text=True, timeout=60)
        return done.stdout

    def theme(self, name: str) -> None:
        self.cli("theme", name)

    def errors(self) -> str:
        log = self.root / "apache-error.log"
        return log.read_text(errors="replace") if log.exists() else ""


def _run(args: list[str], **kwargs: object) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=120, **kwargs)  # type: ignore[call-overload]


@contextlib.contextmanager
def _mariadb(root: Path) -> Iterator[int]:
    data, port = root / "db", free_port()
    _run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
          "--auth-root-authentication-method=normal", "--skip-test-db"])
    args = ["mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={root}/db.sock",
            f"--port={port}", "--bind-address=127.0.0.1", "--user=root",
            "--skip-grant-tables", "--skip-log-bin", f"--pid-file={root}/db.pid"]
    with _process(args, root / "db.log") as proc:
        for _ in range(300):
            if subprocess.run(["mariadb", "--no-defaults", f"--socket={root}/db.sock", "-e",
                               "CREATE DATABASE IF NOT EXISTS wordpress"],
                              capture_output=True).returncode == 0:
                break
            if proc.poll() is not None:
                raise RuntimeError((root / "db.log").read_text())
            time.sleep(0.1)
        yield port


@contextlib.contextmanager
def _process(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        # A session of its own: Apache signals its whole process group when it stops.
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=out,
                                start_new_session=True)
        try:
            yield proc
        finally:
            proc.terminate()
            proc.wait(30)


def _content_dir(root: Path, public_host: str) -> None:
    content = root / "content"
    for sub in ("themes", "plugins", "mu-plugins", "uploads"):
        (content / sub).mkdir(parents=True)
    for theme in ("twentytwentythree", "twentytwentyone"):
        (content / "themes" / theme).symlink_to(f"/usr/share/wordpress/wp-content/themes/{theme}")
    shutil.copytree(PLUGIN, content / "plugins" / PLUGIN.name)
    (content / "mu-plugins" / "public-name.php").write_text(PUBLIC_NAME % public_host)


@contextlib.contextmanager
def wordpress(public_host: str) -> Iterator[WordPress]:
    """WordPress 6.1 on Debian's Apache and MariaDB, installed, with three users; widget
    servers on `public_host` count as public addresses."""
    root = Path(tempfile.mkdtemp(prefix="gupshup-wp-"))
    root.chmod(0o755)  # Apache's children run as www-data when started as root
    port, name = free_port(), f"gupshup-test-{secrets.token_hex(4)}"
    url = f"http://127.0.0.1:{port}"
    config = Path(f"/etc/wordpress/config-{name}.php")
    env = {**os.environ, "WORDPRESS_CONFIG": name, "WP_TEST_URL": url}
    try:
        _content_dir(root, public_host)
        with _mariadb(root) as db_port:
            salts = "\n".join(f"define('{k}', '{secrets.token_hex(16)}');" for k in SALTS)
            config.write_text(CONFIG.format(db_port=db_port, url=url, root=root, salts=salts))
            config.chmod(0o644)
            user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
            (root / "apache.conf").write_text(APACHE.format(
                modules=MODULES, user=user, port=port, root=root, config=name))
            apache_args = ["apache2", "-f", str(root / "apache.conf"), "-DFOREGROUND"]
            with _process(apache_args, root / "apache.log") as apache:
                blog = WordPress(url, root, env)
                blog.cli("install")
                _wait_up(url, apache, root)
                yield blog
    finally:
        config.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)


def _wait_up(url: str, apache: subprocess.Popen[bytes], root: Path) -> None:
    for _ in range(200):
        if apache.poll() is not None:
            raise RuntimeError((root / "apache.log").read_text())
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/", timeout=5).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("WordPress did not answer: " + (root / "apache-error.log").read_text())
