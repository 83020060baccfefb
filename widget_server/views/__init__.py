"""The widget server's HTTP views: widgets, the JSON API, embedding (loader, oEmbed, feed),
the customization page, the subscription forms, and the OpenAPI description."""
