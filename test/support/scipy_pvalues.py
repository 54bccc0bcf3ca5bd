"""scipy's values for the p-value functions Aquifer ports (monitor/stats), the anchor of their unit tests.

Reads a JSON object of argument lists from stdin and prints the same keys with scipy's results:
  kstwo_sf: [n, x]          scipy.stats.kstwo.sf(x, n)
  smirnov: [n, x]           scipy.special.smirnov(n, x)
  ks_exact: [n1, n2, d]     ks_2samp's exact two-sided p-value (_attempt_exact_2kssamp)
  chi2_sf: [x, df]          scipy.stats.chi2.sf(x, df)
  kv: [nu, x]               scipy.special.kv(nu, x)
"""

import json
import math
import sys

from scipy.special import kv, smirnov
from scipy.stats import chi2, kstwo
from scipy.stats._stats_py import _attempt_exact_2kssamp

FUNCTIONS = {
    "kstwo_sf": lambda n, x: kstwo.sf(x, n),
    "smirnov": lambda n, x: smirnov(int(n), x),
    "ks_exact": lambda n1, n2, d: _attempt_exact_2kssamp(int(n1), int(n2), math.gcd(int(n1), int(n2)), d, "two-sided")[2],
    "chi2_sf": lambda x, df: chi2.sf(x, df),
    "kv": lambda nu, x: kv(nu, x),
}

cases = json.load(sys.stdin)
json.dump({name: [float(FUNCTIONS[name](*args)) for args in rows] for name, rows in cases.items()}, sys.stdout)
