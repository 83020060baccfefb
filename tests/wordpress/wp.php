<?php
/* Runs WordPress (Debian's, as configured by tests/wordpress.py) from the command line:
 * `php wp.php install URL` installs it with an Administrator, an Author and a Contributor;
 * `php wp.php post USER TITLE < content` writes a post as that user, through the same
 * filters the editor's save goes through (kses strips what the role may not post), and
 * prints its URL; `php wp.php theme NAME` switches the theme; `php wp.php plugin on|off`
 * activates the GupShup plugin; `mod NAME 0|1` sets a theme's switch; `option NAME VALUE`
 * sets an option; `content URL` prints what a post's content was saved as. */
$command = $argv[1];
$_SERVER['HTTP_HOST'] = parse_url(getenv('WP_TEST_URL'), PHP_URL_HOST);
$_SERVER['WORDPRESS_CONFIG'] = getenv('WORDPRESS_CONFIG');
if ($command === 'install') {
    define('WP_INSTALLING', true);
}
require '/usr/share/wordpress/wp-load.php';

if ($command === 'install') {
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    wp_install('A blog', 'owner', 'owner@example.test', true, '', 'owner-pass-1');
    foreach (['asha' => 'author', 'ravi' => 'contributor'] as $login => $role) {
        wp_insert_user(['user_login' => $login, 'user_pass' => $login . '-pass-1',
                        'user_email' => "$login@example.test", 'role' => $role]);
    }
    update_option('permalink_structure', '/?p=%post_id%');
    echo "installed\n";
} elseif ($command === 'post') {
    $user = get_user_by('login', $argv[2]);
    wp_set_current_user($user->ID);  /* kses_init runs on this: the role's own filters */
    $id = wp_insert_post(['post_title' => $argv[3], 'post_content' => file_get_contents('php://stdin'),
                          'post_status' => 'publish', 'post_author' => $user->ID], true);
    if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }
    echo get_permalink($id), "\n";
} elseif ($command === 'theme') {
    switch_theme($argv[2]);
    echo get_stylesheet(), "\n";
} elseif ($command === 'plugin') {
    require_once ABSPATH . 'wp-admin/includes/plugin.php';
    $plugin = 'gupshup-widgets/gupshup-widgets.php';
    $result = $argv[2] === 'on' ? activate_plugin($plugin) : deactivate_plugins($plugin);
    if (is_wp_error($result)) { fwrite(STDERR, $result->get_error_message()); exit(1); }
    echo $argv[2], "\n";
} elseif ($command === 'mod') {
    set_theme_mod($argv[2], (bool) $argv[3]);
    echo get_theme_mod($argv[2]) ? "on\n" : "off\n";
} elseif ($command === 'option') {
    update_option($argv[2], $argv[3]);
    echo get_option($argv[2]), "\n";
} elseif ($command === 'content') {
    echo get_post_field('post_content', url_to_postid($argv[2]));
}
