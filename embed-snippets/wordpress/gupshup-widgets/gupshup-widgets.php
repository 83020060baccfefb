<?php
/**
 * Plugin Name: GupShup group widgets
 * Description: Shows a GupShup SMS group in posts, for every role: the [gupshup] shortcode,
 *   the "GupShup group" block, and widget URLs pasted alone on a line (trusted, so the
 *   subscribe form works in them). Set the widget server under Settings, Writing.
 * Version: 1.0.0
 * Requires at least: 5.9
 * License: MIT
 */

defined('ABSPATH') || exit;

/* The widget server, e.g. https://widgets.example.com: the constant wins over the setting. */
function gupshup_widgets_base() {
    $base = defined('GUPSHUP_WIDGETS_URL') ? GUPSHUP_WIDGETS_URL : get_option('gupshup_widgets_url', '');
    return untrailingslashit(esc_url_raw($base));
}

/* Widget URLs of our server are a trusted oEmbed provider: WordPress prints their HTML as
 * it is (no sandbox), so the subscribe form works in a pasted URL. */
add_action('init', function () {
    $base = gupshup_widgets_base();
    $host = wp_parse_url($base, PHP_URL_HOST);
    if (!$host) {
        return;
    }
    $port = wp_parse_url($base, PHP_URL_PORT);
    $pattern = '#^https?://' . preg_quote($host . ($port ? ":$port" : ''), '#') . '/widget/.+#i';
    wp_oembed_add_provider($pattern, $base . '/oembed', true);
});

/* The markup of one widget: the script snippet as the server's own customization page
 * writes it (one place for its shape), kept for a day; while the server cannot be
 * reached, a link to the group, tried again in five minutes. */
function gupshup_widgets_render($atts) {
    $base = gupshup_widgets_base();
    $options = array_filter(array_map('strval', (array) $atts), 'strlen');
    $group = isset($options['group']) ? $options['group'] : '';
    if (!$base || !preg_match('/^[A-Za-z0-9_-]{1,64}$/', $group)) {
        return current_user_can('edit_posts')
            ? '<p>' . esc_html__('GupShup: set the widget server under Settings, Writing, and a group name.', 'gupshup-widgets') . '</p>'
            : '';
    }
    $key = 'gupshup_' . md5($base . '|' . wp_json_encode($options));
    $snippet = get_transient($key);
    if (false === $snippet) {
        $answer = wp_safe_remote_get(add_query_arg(array_map('rawurlencode', $options), $base . '/'),
            array('timeout' => 5, 'headers' => array('Accept' => 'application/json')));
        $body = json_decode(wp_remote_retrieve_body($answer), true);
        $snippet = isset($body['snippets']['script']) ? $body['snippets']['script'] : '';
        set_transient($key, $snippet, $snippet ? DAY_IN_SECONDS : 5 * MINUTE_IN_SECONDS);
    }
    if ($snippet) {
        return $snippet;
    }
    $url = $base . '/widget/groups/' . rawurlencode($group);
    /* translators: %s: a GupShup group's name */
    return '<p><a href="' . esc_url($url) . '">' . esc_html(sprintf(__('GupShup group %s', 'gupshup-widgets'), $group)) . '</a></p>';
}

add_shortcode('gupshup', 'gupshup_widgets_render');

add_action('init', function () {
    wp_register_script('gupshup-widgets-block', plugins_url('block.js', __FILE__),
        array('wp-blocks', 'wp-element', 'wp-components', 'wp-block-editor', 'wp-server-side-render'),
        '1.0.0', true);
    $text = array('type' => 'string', 'default' => '');
    register_block_type('gupshup/widget', array(
        'api_version' => 2,
        'editor_script' => 'gupshup-widgets-block',
        'attributes' => array('group' => $text, 'color' => $text, 'count' => $text,
                              'theme' => $text, 'lang' => $text, 'subscribe' => $text),
        'render_callback' => 'gupshup_widgets_render',
    ));
});

/* Settings, Writing: the widget server's address. */
add_action('admin_init', function () {
    register_setting('writing', 'gupshup_widgets_url', array('type' => 'string', 'sanitize_callback' => 'esc_url_raw'));
    add_settings_field('gupshup_widgets_url', __('GupShup widget server', 'gupshup-widgets'), function () {
        printf('<input type="url" class="regular-text" name="gupshup_widgets_url" id="gupshup_widgets_url" value="%s" placeholder="https://widgets.example.com" %s>',
            esc_attr(get_option('gupshup_widgets_url', '')), defined('GUPSHUP_WIDGETS_URL') ? 'disabled' : '');
    }, 'writing', 'default', array('label_for' => 'gupshup_widgets_url'));
});
