"""Benchmark programs: they print figures, they are not tests."""

# The servers a benchmark starts measure the engine, not its rate limits (issue 18): a
# placement run posts 2,000 tickets in a minute from one account, far past the default 600.
UNLIMITED_WRITES = {"DISPATCH_WRITES_PER_MIN": "10000000",
                    "DISPATCH_WRITES_PER_ADDRESS_PER_MIN": "10000000"}
