"""newsarchive, the application: the `newsarchive` command, crawl runs, serving the archive in
Datasette, schedules and the demo."""
