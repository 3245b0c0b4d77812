"""Reference fits for `npm run bench:automl` (protocol ../shared/bench/PROTOCOL.md, version 1).

Usage: /usr/bin/python3 scripts/bench-automl-reference.py DATASET_DIR [DATASET_DIR ...]

For each dataset folder (<name>.csv, <name>.split.json, meta.json) it fits, on the stored hold-out
training rows, the protocol's preprocessing (section 3) followed by each of the four reference models
(section 4): LogisticRegression/Ridge, RandomForest-200, HistGradientBoosting, XGBoost-300, each once,
with 2 threads (this machine's cores), and scores the hold-out test rows on the main metric. Prints one
JSON object: {"datasets": {name: {"metric", "models": {key: {"value", "fit_s"}}, "best_key", "best",
"fit_total_s", "fit_total_cpu_s"}}}. Fit time = wall (and CPU) seconds of pipeline.fit, data already in
memory, a fit under 0.5 s run 3 times and the fastest kept (protocol sections 6). On a shared machine the
wall time of 2-thread OpenMP fits (HistGB, XGBoost) swings widely; the CPU seconds are steadier.
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits
from xgboost import XGBClassifier, XGBRegressor

THREADS = 2


def models(task):
    if task == "regression":
        return {
            "linear": Ridge(),
            "random_forest": RandomForestRegressor(n_estimators=200, random_state=42, n_jobs=THREADS),
            "hist_gb": HistGradientBoostingRegressor(random_state=42),
            "xgboost": XGBRegressor(n_estimators=300, tree_method="hist", random_state=42, n_jobs=THREADS),
        }
    return {
        "linear": LogisticRegression(max_iter=2000),
        "random_forest": RandomForestClassifier(n_estimators=200, random_state=42, n_jobs=THREADS),
        "hist_gb": HistGradientBoostingClassifier(random_state=42),
        "xgboost": XGBClassifier(n_estimators=300, tree_method="hist", random_state=42, n_jobs=THREADS),
    }


def preprocessing(meta):
    return ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
         meta["numeric_columns"]),
        ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                          ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]),
         meta["categorical_columns"]),
    ], remainder="drop", sparse_threshold=0.0)


def run(folder):
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    name = meta["name"]
    with open(os.path.join(folder, f"{name}.split.json")) as f:
        split = json.load(f)
    strings = {c: str for c in meta["categorical_columns"]}
    task = meta["task"]
    if task != "regression":
        strings[meta["target"]] = str
    df = pd.read_csv(os.path.join(folder, f"{name}.csv"), dtype=strings, keep_default_na=False, na_values=[""])
    test = np.array(split["holdout"]["test_indices"], dtype=int)
    is_test = np.zeros(len(df), dtype=bool)
    is_test[test] = True
    X = df[meta["numeric_columns"] + meta["categorical_columns"]]
    if task == "regression":
        y = df[meta["target"]].to_numpy(dtype=float)
        metric = "r2"
    else:
        classes = meta["classes"]
        y = df[meta["target"]].map({c: i for i, c in enumerate(classes)}).to_numpy()
        metric = "roc_auc" if task == "binary" else "accuracy"
    X_train, y_train, X_test, y_test = X[~is_test], y[~is_test], X[is_test], y[is_test]
    out = {}
    for key, model in models(task).items():
        pipe = Pipeline([("pre", preprocessing(meta)), ("model", model)])
        with threadpool_limits(limits=THREADS):
            fit_s, cpu_s = float("inf"), float("inf")
            for _ in range(3):  # protocol section 6: a fit under 0.5 s is run 3 times, the fastest counts
                started, started_cpu = time.perf_counter(), time.process_time()
                pipe.fit(X_train, y_train)
                fit_s = min(fit_s, time.perf_counter() - started)
                cpu_s = min(cpu_s, time.process_time() - started_cpu)
                if fit_s >= 0.5:
                    break
            if task == "regression":
                value = r2_score(y_test, pipe.predict(X_test))
            else:
                proba = pipe.predict_proba(X_test)
                if task == "binary":
                    positive = meta["classes"].index(meta["positive_class"])
                    value = roc_auc_score(y_test == positive, proba[:, positive])
                else:
                    value = accuracy_score(y_test, proba.argmax(axis=1))
        out[key] = {"value": float(value), "fit_s": fit_s, "fit_cpu_s": cpu_s}
    best_key = max(out, key=lambda k: out[k]["value"])
    return name, {
        "metric": metric,
        "models": out,
        "best_key": best_key,
        "best": out[best_key]["value"],
        "fit_total_s": sum(m["fit_s"] for m in out.values()),
        "fit_total_cpu_s": sum(m["fit_cpu_s"] for m in out.values()),
    }


def main():
    result = {}
    for folder in sys.argv[1:]:
        name, entry = run(folder)
        result[name] = entry
        print(f"{name}: best {entry['best_key']} {entry['best']:.4f}, fits {entry['fit_total_s']:.2f} s",
              file=sys.stderr)
    json.dump({"threads": THREADS, "datasets": result}, sys.stdout)


if __name__ == "__main__":
    main()
