from successbot.cli import main

raise SystemExit(main())
