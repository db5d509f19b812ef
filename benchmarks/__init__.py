"""Benchmark programs: they print figures, they are not tests."""

# The servers a benchmark starts measure the engine, not its rate limits (issue 18): a
# placement run posts 2,000 tickets in a minute from one account, far past the default 600;
# a GPS run's 100 technicians stand in for a larger fleet, at 15-80 fixes a second each,
# past the 50 a second one phone may send.
UNLIMITED_RATES = {"DISPATCH_WRITES_PER_MIN": "10000000",
                   "DISPATCH_WRITES_PER_ADDRESS_PER_MIN": "10000000",
                   "DISPATCH_GPS_PER_S": "100000"}
