from successbot.cli.main import main

raise SystemExit(main())
