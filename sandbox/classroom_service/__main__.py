from sandbox.classroom_service.serve import main

raise SystemExit(main())
