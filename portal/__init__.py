"""Customer pages (/apply/, /progress/): apply online, follow progress, rate, report, complain."""
