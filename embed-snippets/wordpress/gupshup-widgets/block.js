/* The "GupShup group" block: the group and its options in the sidebar, the widget rendered
   by the server-side callback (the same as the [gupshup] shortcode). */
(function (wp) {
  var el = wp.element.createElement, __ = wp.i18n ? wp.i18n.__ : function (s) { return s; };
  var TextControl = wp.components.TextControl, ToggleControl = wp.components.ToggleControl;
  wp.blocks.registerBlockType("gupshup/widget", {
    apiVersion: 2,
    title: __("GupShup group"),
    icon: "format-chat",
    category: "embed",
    attributes: {group: {type: "string"}, color: {type: "string"}, count: {type: "string"},
                 theme: {type: "string"}, lang: {type: "string"}, subscribe: {type: "string"}},
    edit: function (props) {
      var a = props.attributes, set = function (k) { return function (v) { var o = {}; o[k] = v; props.setAttributes(o); }; };
      return el("div", wp.blockEditor.useBlockProps(),
        el(TextControl, {label: __("GupShup group name"), value: a.group || "", onChange: set("group")}),
        el(TextControl, {label: __("Colour (like #1971c2)"), value: a.color || "", onChange: set("color")}),
        el(ToggleControl, {label: __("Subscribe form"), checked: a.subscribe === "1",
                           onChange: function (on) { props.setAttributes({subscribe: on ? "1" : ""}); }}),
        a.group ? el(wp.serverSideRender, {block: "gupshup/widget", attributes: a}) : null);
    },
    save: function () { return null; }
  });
})(window.wp);
