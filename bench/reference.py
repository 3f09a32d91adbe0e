"""The reference stack a data scientist would otherwise use (issue 25): pandas features and XGBoost models.

    python3 bench/reference.py ORDERS.csv AS_OF HORIZON_DAYS OUT_DIR

Reads the orders file (the demo generator's columns), builds RFM and rhythm
features per customer with a pandas group-by at a cutoff, trains an XGBoost
churn classifier and an XGBoost spend regressor one horizon back (features at
as-of minus the horizon, labels over the horizon that follows, up to as-of),
applies both at as-of and writes one CSV of scores. Prints one JSON object on
standard output: each step's seconds, the process's CPU time (every thread's:
XGBoost trains on all cores) and peak resident memory, the
rows, and then, outside the timed stack, the churn AUC and spend Gini of the
same models trained two horizons back and scored one horizon back (the windows
of fidelio's backtest). Exit 3 when pandas or xgboost cannot be imported (Debian:
apt-get install -y python3-pandas python3-xgboost).
"""
import json
import os
import resource
import sys
import time

try:
    import numpy as np
    import pandas as pd
    import xgboost as xgb
except ImportError as err:  # the bench says so and goes on without the ratio
    print(f"reference stack not available: {err} (Debian: apt-get install -y python3-pandas python3-xgboost)", file=sys.stderr)
    sys.exit(3)

orders_path, as_of_text, horizon_text, out_dir = sys.argv[1:5]
AS_OF = pd.Timestamp(as_of_text)
H = pd.Timedelta(days=int(horizon_text))
THREADS = os.cpu_count() or 1
steps = []
started = time.perf_counter()
# The process's CPU time, every thread's (Linux's process clock), over the same timed stack.
cpu_started = time.process_time()


def step(name, t0):
    steps.append({"step": name, "seconds": round(time.perf_counter() - t0, 2)})


t0 = time.perf_counter()
orders = pd.read_csv(
    orders_path,
    usecols=["customer_id", "order_ts", "amount"],
    dtype={"customer_id": "string", "order_ts": "string", "amount": "string"},
)
# Unreadable amounts and dates become missing and their lines are dropped (pandas' way of rejecting them).
orders["amount"] = pd.to_numeric(orders["amount"], errors="coerce")
orders["order_date"] = pd.to_datetime(orders["order_ts"], utc=True, errors="coerce").dt.tz_localize(None).dt.normalize()
read_lines = len(orders)
orders = orders.drop(columns="order_ts").dropna()  # and guests, who have no customer
orders = orders[orders["order_date"] <= AS_OF + H]
orders["customer_id"] = orders["customer_id"].astype("category")
step("read the orders (pandas read_csv, dates parsed)", t0)


def features(cutoff):
    """RFM and rhythm per customer from the orders up to the cutoff (one group-by over the lines)."""
    o = orders[orders["order_date"] <= cutoff]
    purchases = o[o["amount"] > 0]
    g = purchases.groupby("customer_id", observed=True)
    f = pd.DataFrame({
        "orders": g.size(),
        "spend": g["amount"].sum(),
        "mean_basket": g["amount"].mean(),
        "max_basket": g["amount"].max(),
        "first": g["order_date"].min(),
        "last": g["order_date"].max(),
        "days": g["order_date"].nunique(),
    })
    f["net_spend"] = o.groupby("customer_id", observed=True)["amount"].sum().reindex(f.index).fillna(0.0)
    f["refunds"] = o[o["amount"] < 0].groupby("customer_id", observed=True).size().reindex(f.index).fillna(0)
    f["recency_days"] = (cutoff - f["last"]).dt.days
    f["tenure_days"] = (cutoff - f["first"]).dt.days
    # Rhythm: the gaps between distinct purchase days, their mean and spread, and the recency in gaps.
    d = purchases[["customer_id", "order_date"]].drop_duplicates().sort_values(["customer_id", "order_date"])
    gaps = d.groupby("customer_id", observed=True)["order_date"].diff().dt.days
    gs = gaps.groupby(d["customer_id"], observed=True)
    f["gap_mean"] = gs.mean().reindex(f.index)
    f["gap_std"] = gs.std().reindex(f.index)
    f["recency_in_gaps"] = f["recency_days"] / f["gap_mean"]
    f["frequency_per_year"] = f["days"] / np.maximum(f["tenure_days"], 1) * 365.25
    for window in (30, 90, 365):
        recent = purchases[purchases["order_date"] > cutoff - pd.Timedelta(days=window)]
        f[f"spend_{window}d"] = recent.groupby("customer_id", observed=True)["amount"].sum().reindex(f.index).fillna(0.0)
    return f.drop(columns=["first", "last"])


def labels(index, cutoff):
    """Churned (no purchase in the horizon after the cutoff) and the horizon's spend."""
    w = orders[(orders["order_date"] > cutoff) & (orders["order_date"] <= cutoff + H)]
    bought = w[w["amount"] > 0].groupby("customer_id", observed=True).size().reindex(index).fillna(0)
    spend = w.groupby("customer_id", observed=True)["amount"].sum().reindex(index).fillna(0.0)
    return (bought == 0).astype("int8"), spend.clip(lower=0)


def models(x, churned, spend):
    """XGBoost's own API (the scikit-learn wrapper needs scikit-learn): 200 rounds of depth-6 histogram trees."""
    params = dict(max_depth=6, eta=0.1, tree_method="hist", nthread=THREADS, seed=42)
    churn = xgb.train({**params, "objective": "binary:logistic"}, xgb.DMatrix(x, label=churned), num_boost_round=200)
    value = xgb.train({**params, "objective": "reg:squarederror"}, xgb.DMatrix(x, label=spend), num_boost_round=200)
    return churn, value


def predict(model, x):
    return model.predict(xgb.DMatrix(x))


def auc(y, s):
    """Mann-Whitney AUC with ties at half."""
    ranks = pd.Series(s).rank().to_numpy()
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def gini(actual, predicted):
    """Normalized Gini of the spend ranking (the predicted order against the ideal order)."""
    def g(order):
        a = actual[np.argsort(-order, kind="stable")]
        cum = np.cumsum(a) / a.sum()
        return cum.sum() / len(a) - (len(a) + 1) / (2 * len(a))
    return float(g(predicted) / g(actual))


t0 = time.perf_counter()
f_train = features(AS_OF - H)
f_now = features(AS_OF)
step("features at the training cutoff and at as-of (pandas group-by)", t0)

t0 = time.perf_counter()
c_train, s_train = labels(f_train.index, AS_OF - H)
step("labels over the horizon after the training cutoff", t0)

t0 = time.perf_counter()
churn, value = models(f_train, c_train, s_train)
step("train: XGBoost churn classifier and spend regressor, one horizon back", t0)

t0 = time.perf_counter()
scores = pd.DataFrame({
    "churn_probability": predict(churn, f_now),
    "expected_spend_90d": np.maximum(predict(value, f_now), 0),
}, index=f_now.index)
os.makedirs(out_dir, exist_ok=True)
scores.to_csv(os.path.join(out_dir, "reference_scores.csv"), float_format="%.6f")
step("score at as-of and write the scores (CSV)", t0)
seconds = round(time.perf_counter() - started, 2)
cpu_seconds = round(time.process_time() - cpu_started, 2)
# Linux reports ru_maxrss in KiB.
peak_mib = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

# Not part of the timed stack: its quality on the windows of a backtest, trained two horizons back
# and scored one horizon back, to set beside fidelio's holdout AUC and Gini.
t0 = time.perf_counter()
f_back = features(AS_OF - 2 * H)
c_back, s_back = labels(f_back.index, AS_OF - 2 * H)
check_churn, check_value = models(f_back, c_back, s_back)
quality = {
    "churn_auc": round(auc(c_train.to_numpy(), predict(check_churn, f_train)), 4),
    "value_gini": round(gini(s_train.to_numpy(), predict(check_value, f_train)), 4),
    "holdout_customers": int(len(f_train)),
    "seconds": round(time.perf_counter() - t0, 2),
}

print(json.dumps({
    "seconds": seconds,
    "cpu_seconds": cpu_seconds,
    "peak_mib": peak_mib,
    "order_lines": read_lines,
    "lines_used": int(len(orders)),
    "customers_scored": int(len(scores)),
    "training_rows": int(len(f_train)),
    "quality": quality,
    "steps": steps,
    "versions": {"pandas": pd.__version__, "xgboost": xgb.__version__, "numpy": np.__version__},
}))
