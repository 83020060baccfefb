"""The markup other sites get: the snippets a blog owner pastes and the HTML a blog's oEmbed
consumer receives. Every way degrades to a visible link to the group, never to a hole:
what a host strips (a script, a style, an element it does not know) takes the room it
reserved with it, and a frame that never says its height within ten seconds (the server is
down) gives way to the link."""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

from widget_server.assets import resource_dir
from widget_server.options import Options
from widget_server.protocol import GROUP_NAME

WP_MIN, WP_MAX = 200, 1000  # the heights WordPress's wp-embed.js keeps a frame within

# Tags WordPress's filters (kses, for roles without `unfiltered_html`) drop while keeping
# what they hold: the room and the frame go, the link inside stays.
WRAPPER, SLOT = "gupshup-widget", "gupshup-slot"


def _static(name: str) -> str:
    """A script of static/ as it is sent: without its comments (they are for readers here)."""
    return re.sub(r"/\*.*?\*/", "", (resource_dir("static") / name).read_text(), flags=re.S)


# The plain iframe snippet's listener, on one line as a `data:` URL's text.
LISTENER = quote("".join(line.strip() for line in
                         (_static("frame.js") + _static("listen.js")).splitlines()),
                 safe=" ;,/?:@=+$!*'()[]{}|.-_~")
# `/embed.js`: the loader, after the frame watcher it shares with that listener.
LOADER = (_static("frame.js") + _static("embed.js")).encode()


def link_html(url: str, title: str) -> str:
    return f'<a href="{escape(url)}">{escape(title)}</a>'


def iframe_html(src: str, title: str, height: int, more: str = ' loading="lazy"') -> str:
    """A frame as hosts keep it: no inline width limit (a `width="100%"` frame stays in
    the text column), no border, no scroll bars."""
    return (f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" '
            f'height="{height}" frameborder="0" scrolling="no"{more} style="border:0">'
            '</iframe>')


def script_snippet(base: str, url: str, title: str, attrs: str, options: Options) -> str:
    """On one line (so that `wpautop` adds no paragraph inside): a link in the room the
    widget will take, the frame for readers without JavaScript, and the loader, which
    collapses the room at once if it cannot be fetched."""
    frame = iframe_html(url, title, options.height())
    slot = (f'<{SLOT} style="display:block;{options.reserve_css()}">{link_html(url, title)}'
            f'</{SLOT}>')
    drop = f"this.closest('{WRAPPER}').querySelector('{SLOT}').style.minHeight=0"
    return (f'<{WRAPPER} style="display:block;container-type:inline-size">{slot}'
            f'<noscript>{frame}</noscript><script src="{base}/embed.js" {attrs} async '
            f'onerror="{drop}"></script></{WRAPPER}>')


def iframe_snippet(url: str, title: str, options: Options) -> str:
    """The frame, and beside it a short listener (hosts that strip scripts keep the frame
    alone): it sizes the frame to the widget and puts the link in its place when the
    widget never speaks."""
    # In the script's address, not its text: WordPress's filters drop a script's tags
    # and keep its text, which would then show on the page.
    # The link in <noscript> is for hosts that drop the frame and the script but keep
    # what <noscript> holds (WordPress, for most roles).
    return (f'<{WRAPPER} style="display:block">{iframe_html(url, title, options.height())}'
            f'<noscript>{link_html(url, title)}</noscript>'
            f'<script src="data:text/javascript,{LISTENER}"></script></{WRAPPER}>')


def oembed_html(src: str, title: str, height: int, secret: str) -> str:
    """The shape WordPress keeps and resizes (a blockquote with a link, then the frame):
    sandboxed as an untrusted provider, WordPress replaces the secret with its own; as a
    trusted provider it prints this as it is, and wp-embed.js uses ours. The frame is
    hidden until the widget speaks, so with the server down the link stays (and not lazy:
    a hidden frame would never come into view)."""
    frame = iframe_html(f"{src}#?secret={secret}", title, height,
                        more=f' marginwidth="0" marginheight="0" class="wp-embedded-content" '
                             f'data-secret="{secret}"')
    frame = frame.replace(' style="border:0"',
                          ' style="position:absolute;clip:rect(1px,1px,1px,1px)"')
    return (f'<blockquote class="wp-embedded-content" data-secret="{secret}">'
            f'{link_html(src, title)}</blockquote>{frame}')


def snippets(base: str, group: str, options: Options) -> dict[str, str]:
    """Every way to embed: a script tag, a plain iframe, the widget URL, Hugo and Jekyll,
    the public stream and the Atom feed; none for a name that is not a group name (a
    snippet must never carry markup). Each carries every option that differs from its
    default."""
    if not GROUP_NAME.fullmatch(group):
        return {}
    query, changed = options.query(), options.changed()
    url = f"{base}/widget/groups/{quote(group)}" + (f"?{query}" if query else "")
    title = f"GupShup group {group}"
    attrs = " ".join([f'data-group="{escape(group)}"',
                      *(f'data-{name}="{escape(value)}"' for name, value in changed.items()),
                      # The loader's first height, by width, so that it need not know why.
                      f'data-heights="{options.height(True)} {options.height(False)}"'])
    params = " ".join(f'{name}="{escape(value)}"' for name, value in
                      {"group": group, **changed}.items())
    return {
        "script": script_snippet(base, url, title, attrs, options),
        "iframe": iframe_snippet(url, title, options), "url": url,
        "hugo": f"{{{{< gupshup {params} >}}}}",
        "jekyll": f"{{% include gupshup.html {params} %}}",
        "public": f'<script src="{base}/embed.js" data-stream="public" async></script>',
        "feed": f"{base}/feeds/groups/{quote(group)}.atom",
    }
