"""Start the sandbox: python launcher.py [--browser | --headless] [--port N] [--data-dir DIR]."""

from sandbox.launch.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
