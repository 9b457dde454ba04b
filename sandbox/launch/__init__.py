"""The app shell: the command line, one launch of the sandbox, its web server, its window and its lock."""
