from zeroclaw_py.cli import main

raise SystemExit(main())
