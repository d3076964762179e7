"""Reading pages from files, folders, JSON lines and stdin; writing results."""
