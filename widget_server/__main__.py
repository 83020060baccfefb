from widget_server.cli import main

raise SystemExit(main())
