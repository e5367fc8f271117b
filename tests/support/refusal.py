"""The message of the test-only refusing swap (`refusing_swap`), importable without
registering that swap: importing `refusing_swap` replaces the real swap job kind in
this process, which only a live server's workers may do."""

FAILED = "The test plugin stopped this swap on purpose."
