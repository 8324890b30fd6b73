from pyvault.cli.main import main

raise SystemExit(main())
