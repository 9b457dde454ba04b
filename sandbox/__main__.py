from sandbox.launch.cli import main

raise SystemExit(main())
