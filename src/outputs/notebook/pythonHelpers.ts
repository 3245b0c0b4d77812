/**
 * The Python the generated notebook runs, as text: Butterfly's CSV typing rules, the feature recipe
 * (fit from the block configs exactly as preprocessing.ts and featureEngineering.ts do, or taken from
 * the run), scikit-learn equivalents of the model families, and the metrics. Kept to pandas 1.5 /
 * scikit-learn 1.2 APIs (Debian 12), which newer versions still accept.
 */

/** Loading: every column read as text (only an empty field is missing), then typed by its kind. */
export const pythonLoadSource = `def js_number_label(value):
    """A number as JavaScript's String(number) writes it (Butterfly's label for a numeric class)."""
    if float(value).is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(float(value))


def parse_epoch_ms(text):
    """ISO date or timestamp to epoch milliseconds; a time without a zone is UTC, as in Butterfly."""
    stamp = pd.Timestamp(text.strip().replace(" ", "T", 1))
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.value / 1e6


def with_class_labels(frame, column_kinds, target, task_type):
    """A numeric class label becomes the text Butterfly shows for it."""
    if task_type != "regression" and column_kinds[target] in ("numeric", "boolean"):
        frame[target] = frame[target].map(lambda v: js_number_label(v) if v == v else np.nan).astype(object)
    return frame


def type_parquet_columns(raw, column_kinds, target, task_type):
    """A Parquet table's typed columns as Butterfly reads them (text columns as strings)."""
    frame = pd.DataFrame(index=raw.index)
    for name, kind in column_kinds.items():
        if kind in ("numeric", "boolean"):
            frame[name] = raw[name].astype(float)
        else:
            frame[name] = raw[name].map(lambda v: str(v) if v is not None and v == v else np.nan)
    return with_class_labels(frame, column_kinds, target, task_type)


def type_text_columns(raw, column_kinds, target, task_type):
    """Columns read as text (only an empty field missing) typed by their Butterfly kinds."""
    frame = pd.DataFrame(index=raw.index)
    for name, kind in column_kinds.items():
        text = raw[name]
        if kind == "numeric":
            frame[name] = pd.to_numeric(text.str.strip()).astype(float)
        elif kind == "boolean":
            frame[name] = text.str.strip().str.lower().map({"true": 1.0, "false": 0.0}).astype(float)
        elif kind == "datetime":
            frame[name] = text.map(lambda t: parse_epoch_ms(t) if isinstance(t, str) else np.nan).astype(float)
        else:
            frame[name] = text
    return with_class_labels(frame, column_kinds, target, task_type)


def read_table(path, column_kinds, sep, target, task_type):
    if str(path).lower().endswith(".parquet"):  # needs pyarrow; typed columns, text as in Butterfly
        return type_parquet_columns(pd.read_parquet(path), column_kinds, target, task_type)
    # keep_default_na=False + na_values=[""]: only an empty field is missing ("NA", "None" are values).
    raw = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    return type_text_columns(raw, column_kinds, target, task_type)
`

/** The feature recipe: fit (preprocessing + feature engineering) and apply, step for step like the engine. */
export const pythonRecipeSource = `NUMERIC_KINDS = ("numeric", "boolean", "datetime")
DATETIME_PARTS = ("year", "month", "day", "weekday", "hour")


def affine_of_counts(counts, mode):
    """The scaling of a column from its value counts (value -> count): min-max or mean and population std."""
    values = np.asarray(counts.index, dtype=float)
    weights = np.asarray(counts.to_numpy(), dtype=float)
    n = float(weights.sum())
    if mode == "none" or n == 0:
        return {"center": 0.0, "scale": 1.0}
    if mode == "minmax":
        low, high = float(values.min()), float(values.max())
        return {"center": low, "scale": high - low if high > low else 1.0}
    mean = float((values * weights).sum()) / n
    std = math.sqrt(float((weights * (values - mean) ** 2).sum()) / n)
    # A constant column keeps scale 1, as scikit-learn's StandardScaler.
    return {"center": mean, "scale": std if std > 1e-12 * max(1.0, abs(mean)) else 1.0}


def with_fill(counts, missing, fill):
    """Value counts of a column after its missing entries are filled with \`fill\`."""
    if missing == 0:
        return counts
    return counts.add(pd.Series({fill: missing}, dtype=float), fill_value=0)


def column_summaries(train, columns, compute):
    """Per column: value counts of the present training values and the missing count, plus the row count.
    \`train\` is a pandas or a Dask DataFrame (the same calls); \`compute\` evaluates them (dask.compute for Dask)."""
    counts = [train[name].value_counts(dropna=True) for name in columns]
    results = compute(train.shape[0], train[list(columns)].isna().sum(), *counts)
    missing = results[1]
    return {"rows": int(results[0]), "columns": {
        name: {"counts": results[2 + j], "missing": int(missing[name])} for j, name in enumerate(columns)}}


def pandas_compute(*values):
    return values


def datetime_part(epoch_ms, part):
    stamps = pd.to_datetime(np.asarray(epoch_ms, dtype=float), unit="ms", utc=True)
    if part == "weekday":
        return ((stamps.dayofweek + 1) % 7).to_numpy(dtype=float)  # Sunday = 0, as JavaScript's getUTCDay
    return np.asarray(getattr(stamps, part), dtype=float)


def numeric_fill(counts, n_present, imputation, config):
    if n_present == 0:
        fill = float("nan")
    elif imputation == "mean":
        fill = float((np.asarray(counts.index, dtype=float) * counts.to_numpy()).sum()) / n_present
    elif imputation == "most_frequent":
        top = counts.max()
        fill = float(min(value for value, count in counts.items() if count == top))  # ties: the smallest value
    elif imputation == "constant":
        fill = float(config["numericFillValue"])
    else:  # median, and indicator (median plus a missing flag); the mean of the two middle values when even
        ordered = counts.sort_index()
        ends = ordered.cumsum().to_numpy()
        values = np.asarray(ordered.index, dtype=float)
        low = values[np.searchsorted(ends, (n_present - 1) // 2, side="right")]
        high = values[np.searchsorted(ends, n_present // 2, side="right")]
        fill = float((low + high) / 2)
    if fill != fill:
        fill = float(config["numericFillValue"]) if imputation == "constant" else 0.0
    return fill


def fit_preprocessing_from_summaries(feature_columns, column_kinds, summaries, config):
    """The preprocessing recipe from training-row summaries (see column_summaries), step for step like the engine."""
    n_train = summaries["rows"]
    steps = []
    for name in feature_columns:
        counts, missing = summaries["columns"][name]["counts"], summaries["columns"][name]["missing"]
        if column_kinds[name] in NUMERIC_KINDS:
            counts = counts.astype(float)
            counts.index = counts.index.astype(float)
            imputation = config["numericImputation"]
            n_present = int(counts.sum())
            fill = numeric_fill(counts, n_present, imputation, config)
            steps.append({"kind": "numeric", "source": name, "output": name, "fill": fill, "log": False,
                          "affine": affine_of_counts(with_fill(counts, missing, fill), config["scaling"])})
            if imputation == "indicator" and n_present < n_train:
                steps.append({"kind": "missing_indicator", "source": name, "output": name + "__missing"})
            continue
        counts = {str(level): int(count) for level, count in counts.items()}
        if config["categoricalImputation"] == "constant":
            fill = config["categoricalFillValue"]
        else:  # most frequent training level; ties go to the first in code-point order
            fill = min(counts, key=lambda level: (-counts[level], level)) if counts else None
        if fill is not None and missing > 0:
            counts[fill] = counts.get(fill, 0) + missing
        present = sorted((level, count) for level, count in counts.items() if count > 0)
        levels = [level for level, _ in present]
        encoding = config["encoding"]
        if encoding == "ordinal":
            steps.append({"kind": "ordinal", "source": name, "output": name, "levels": levels,
                          "fill": fill if fill is not None else (levels[0] if levels else "")})
        elif encoding == "frequency":
            frequencies = [count / n_train for _, count in present]
            fill_level = fill if fill is not None else ""
            # Each training row's value is its level's frequency (a missing one without a fill: 0).
            train_counts = pd.Series([count for _, count in present], index=frequencies, dtype=float)
            if fill is None and missing > 0:
                train_counts = with_fill(train_counts, missing, 0.0)
            train_counts = train_counts.groupby(level=0).sum()
            steps.append({"kind": "frequency", "source": name, "output": name + "__frequency", "levels": levels,
                          "frequencies": frequencies, "fill": fill_level,
                          "affine": affine_of_counts(train_counts, config["scaling"])})
        else:
            kept, other = levels, False
            if len(levels) > config["maxOneHotLevels"]:
                top = sorted(present, key=lambda p: (-p[1], p[0]))[: config["maxOneHotLevels"]]
                kept, other = sorted(level for level, _ in top), True
            outputs = [f"{name}={level}" for level in kept] + ([f"{name}=__other__"] if other else [])
            steps.append({"kind": "onehot", "source": name, "outputs": outputs, "levels": kept, "other": other,
                          "fill": fill})
    return {"version": 1, "scaling": config["scaling"], "steps": steps}


def fit_preprocessing(frame, feature_columns, column_kinds, train_rows, config):
    summaries = column_summaries(frame.iloc[train_rows], feature_columns, pandas_compute)
    return fit_preprocessing_from_summaries(feature_columns, column_kinds, summaries, config)


def skewness_of_counts(counts):
    values = np.asarray(counts.index, dtype=float)
    weights = np.asarray(counts.to_numpy(), dtype=float)
    n = weights.sum()
    if n < 3:
        return 0.0
    d = values - (values * weights).sum() / n
    m2, m3 = float((weights * d * d).sum() / n), float((weights * d * d * d).sum() / n)
    return m3 / m2 ** 1.5 if m2 > 0 else 0.0


def grouped_counts(values, weights):
    return pd.Series(np.asarray(weights, dtype=float), index=np.asarray(values, dtype=float)).groupby(level=0).sum()


def fit_feature_engineering_from_summaries(recipe, column_kinds, summaries, first_rows, config):
    """Log transforms and datetime parts from training-row summaries; \`first_rows\` are the first 1000
    training rows (pandas), for the engine's few-distinct-values check. Interactions: see interaction_steps."""
    steps = []
    for step in recipe["steps"]:
        if step["kind"] != "numeric":
            steps.append(step)
            continue
        kind = column_kinds[step["source"]]
        summary = summaries["columns"][step["source"]]
        counts = summary["counts"].astype(float)
        counts.index = counts.index.astype(float)
        filled = with_fill(counts, summary["missing"], step["fill"])
        if config["datetimeParts"] and kind == "datetime":
            for part in DATETIME_PARTS:
                parts = grouped_counts(datetime_part(filled.index, part), filled.to_numpy())
                if len(parts) <= 1:
                    continue  # a part that never varies carries no information
                steps.append({"kind": "datetime_part", "source": step["source"],
                              "output": step["source"] + "__" + part, "part": part, "fill": step["fill"],
                              "affine": affine_of_counts(parts, recipe["scaling"])})
            continue
        if config["logTransform"] and kind != "datetime" and (len(filled) == 0 or filled.index.min() >= 0):
            first = first_rows[step["source"]].astype(float).fillna(step["fill"]).to_numpy()[:1000]
            if len(set(first)) > 2 and abs(skewness_of_counts(filled)) > config["skewThreshold"]:
                logged = grouped_counts(np.log1p(filled.index.to_numpy()), filled.to_numpy())
                steps.append({**step, "output": "log1p(" + step["source"] + ")", "log": True,
                              "affine": affine_of_counts(logged, recipe["scaling"])})
                continue
        steps.append(step)
    return {**recipe, "steps": steps}


def interaction_candidates(recipe):
    return [s["output"] for s in recipe["steps"] if s["kind"] in ("numeric", "datetime_part")]


def association_sums(features, y, n_classes):
    """Sums from which association_from_sums ranks features; they add up over partitions.
    \`y\`: class codes (n_classes > 2: correlation ratio) or numbers (Pearson correlation)."""
    X = features.to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    sums = {"n": float(len(y)), "f": X.sum(axis=0), "ff": (X * X).sum(axis=0)}
    if n_classes > 2:
        codes = y.astype(int)
        sums["class_n"] = np.bincount(codes, minlength=n_classes).astype(float)
        sums["class_f"] = np.stack([X[codes == c].sum(axis=0) for c in range(n_classes)])
    else:
        sums.update({"y": float(y.sum()), "yy": float((y * y).sum()), "fy": (X * y[:, None]).sum(axis=0)})
    return sums


def add_sums(a, b):
    return {key: a[key] + b[key] for key in a}


def association_from_sums(sums, n_classes):
    n = sums["n"]
    total = sums["ff"] - sums["f"] ** 2 / n
    scale = np.maximum(sums["ff"], 1e-300)
    if n_classes > 2:  # correlation ratio
        present = sums["class_n"] > 0
        between = (sums["class_f"][present] ** 2 / sums["class_n"][present][:, None]).sum(axis=0) - sums["f"] ** 2 / n
        values = np.sqrt(np.clip(between, 0, None) / np.where(total > 0, total, 1))
    else:
        syy = sums["yy"] - sums["y"] ** 2 / n
        sfy = sums["fy"] - sums["f"] * sums["y"] / n
        values = np.abs(sfy) / np.sqrt(np.where(total > 0, total, 1) * (syy if syy > 0 else 1))
        if not syy > 1e-12 * max(sums["yy"], 1e-300):
            values = np.zeros_like(values)
    return np.where(total > 1e-12 * scale, values, 0.0)


def interaction_steps(recipe, names, sums, n_classes, config):
    """The recipe with the pairwise products of its top-K associated numeric outputs appended."""
    scores = association_from_sums(sums, n_classes)
    ranked = sorted(zip(scores.tolist(), names), key=lambda pair: (-pair[0], pair[1]))[: config["interactionTopK"]]
    steps = list(recipe["steps"])
    for a in range(len(ranked)):
        for b in range(a + 1, len(ranked)):
            left, right = ranked[a][1], ranked[b][1]
            steps.append({"kind": "interaction", "left": left, "right": right, "output": left + "*" + right})
    return {**recipe, "steps": steps}


def fit_feature_engineering(recipe, frame, column_kinds, train_rows, y_train, multiclass, config):
    train = frame.iloc[train_rows]
    summaries = column_summaries(train, [s["source"] for s in recipe["steps"] if s["kind"] == "numeric"],
                                 pandas_compute)
    fitted = fit_feature_engineering_from_summaries(recipe, column_kinds, summaries, train.iloc[:1000], config)
    if not config["interactions"]:
        return fitted
    names = interaction_candidates(fitted)
    n_classes = int(np.max(y_train)) + 1 if multiclass and len(y_train) else 0
    sums = association_sums(apply_recipe(fitted, train)[names], y_train, n_classes)
    return interaction_steps(fitted, names, sums, n_classes, config)


def apply_recipe(recipe, frame):
    """The model inputs of \`frame\`'s rows, one column per recipe output, in recipe order."""
    out = {}
    for step in recipe["steps"]:
        kind = step["kind"]
        if kind == "numeric":
            values = frame[step["source"]].astype(float).fillna(step["fill"]).to_numpy()
            if step["log"]:
                values = np.log1p(np.maximum(values, 0))
            out[step["output"]] = (values - step["affine"]["center"]) / step["affine"]["scale"]
        elif kind == "missing_indicator":
            out[step["output"]] = frame[step["source"]].isna().to_numpy(dtype=float)
        elif kind == "onehot":
            values = frame[step["source"]]
            if step["fill"] is not None:
                values = values.fillna(step["fill"])
            for level, name in zip(step["levels"], step["outputs"]):
                out[name] = (values == level).to_numpy(dtype=float)
            if step["other"]:  # unseen (or capped) levels
                out[step["outputs"][-1]] = (values.notna() & ~values.isin(step["levels"])).to_numpy(dtype=float)
        elif kind == "ordinal":
            index = {level: i for i, level in enumerate(step["levels"])}
            fill_index = index.get(step["fill"], -1)
            out[step["output"]] = frame[step["source"]].map(
                lambda v: index.get(v, fill_index) if isinstance(v, str) else fill_index).to_numpy(dtype=float)
        elif kind == "frequency":
            lookup = dict(zip(step["levels"], step["frequencies"]))
            values = frame[step["source"]].fillna(step["fill"]).map(lambda v: lookup.get(v, 0.0)).to_numpy(dtype=float)
            out[step["output"]] = (values - step["affine"]["center"]) / step["affine"]["scale"]
        elif kind == "datetime_part":
            values = frame[step["source"]].astype(float).fillna(step["fill"]).to_numpy()
            part = datetime_part(values, step["part"])
            out[step["output"]] = (part - step["affine"]["center"]) / step["affine"]["scale"]
        elif kind == "interaction":
            out[step["output"]] = out[step["left"]] * out[step["right"]]
        else:
            raise ValueError("Unknown feature step " + kind)
    return pd.DataFrame(out, index=frame.index)
`

/** scikit-learn equivalents of Butterfly's model families (same hyperparameter names where they exist). */
export const pythonModelSource = `def limit(value):
    return None if value in (None, "none") else value


def build_model(family, hp, task_type, seed, n_train):
    classification = task_type != "regression"
    if family == "ensemble":
        # Butterfly's ensemble: the weighted average of its members' class probabilities (soft voting)
        # or values, each member refitted on the training rows.
        import json
        from sklearn.ensemble import VotingClassifier, VotingRegressor
        members = json.loads(hp["members"])
        estimators = [(f"{m['family']}_{i}", build_model(m["family"], m["hyperparameters"], task_type, seed, n_train))
                      for i, m in enumerate(members)]
        weights = [m["weight"] for m in members]
        if classification:
            return VotingClassifier(estimators, voting="soft", weights=weights)
        return VotingRegressor(estimators, weights=weights)
    if family == "gbdt":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        names = ("max_iter", "learning_rate", "min_samples_leaf", "l2_regularization", "max_bins",
                 "early_stopping", "validation_fraction", "n_iter_no_change", "tol")
        kwargs = {k: hp[k] for k in names if k in hp}
        kwargs["max_leaf_nodes"] = limit(hp.get("max_leaf_nodes", 31))
        kwargs["max_depth"] = limit(hp.get("max_depth", "none"))
        model = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
        return model(random_state=seed, **kwargs)
    if family in ("rf", "tree"):
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
        kwargs = {
            "max_depth": limit(hp.get("max_depth", "none")),
            "max_leaf_nodes": limit(hp.get("max_leaf_nodes", "none")),
            "min_samples_leaf": hp.get("min_samples_leaf", 1),
            "min_samples_split": hp.get("min_samples_split", 2),
        }
        if family == "tree":
            model = DecisionTreeClassifier if classification else DecisionTreeRegressor
            return model(random_state=seed, **kwargs)
        max_features = hp.get("max_features", "auto")
        if max_features == "auto":  # Butterfly's 'auto': sqrt for classification, all features for regression
            max_features = "sqrt" if classification else 1.0
        elif not isinstance(max_features, str):  # Butterfly: at most 1 is a fraction, above 1 a count
            max_features = float(max_features) if max_features <= 1 else int(max_features)
        model = RandomForestClassifier if classification else RandomForestRegressor
        return model(n_estimators=hp.get("n_estimators", 100), max_features=max_features,
                     bootstrap=hp.get("bootstrap", True), random_state=seed, **kwargs)
    if family == "logistic":
        from sklearn.linear_model import LogisticRegression
        return LogisticRegression(C=hp.get("C", 1.0), max_iter=hp.get("maxIter", 1000), tol=hp.get("tol", 1e-5))
    if family == "linear":
        from sklearn.linear_model import Ridge
        return Ridge(alpha=hp.get("alpha", 1.0))
    if family == "mlp":
        from sklearn.compose import TransformedTargetRegressor
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        from sklearn.preprocessing import StandardScaler
        layers = tuple(int(units) for units in str(hp.get("hiddenUnits", "64,32")).split(",") if units.strip())
        validation = hp.get("validationFraction", 0.1)
        kwargs = dict(hidden_layer_sizes=layers, learning_rate_init=hp.get("learningRate", 0.001),
                      alpha=hp.get("alpha", 0.0001), batch_size=min(hp.get("batchSize", 128), n_train),
                      max_iter=hp.get("maxEpochs", 200), n_iter_no_change=hp.get("patience", 10),
                      early_stopping=validation > 0, validation_fraction=validation if validation > 0 else 0.1,
                      random_state=seed)
        if classification:
            return MLPClassifier(**kwargs)
        # Butterfly's MLP fits a standardised target; TransformedTargetRegressor does the same.
        return TransformedTargetRegressor(regressor=MLPRegressor(**kwargs), transformer=StandardScaler())
    raise NotImplementedError("No scikit-learn equivalent for model family " + repr(family))
`

/** Test metrics keyed as in Butterfly (and scikit-learn). */
export const pythonMetricsSource = `def test_metrics(model, X_test, y_test, task_type, classes, positive_class):
    predicted = model.predict(X_test)
    if task_type == "regression":
        return scores_of(y_test, predicted, None, task_type, classes, positive_class)
    # Probabilities in Butterfly's class order (a class absent from the training rows gets 0).
    proba = np.zeros((len(y_test), len(classes)))
    for k, label in enumerate(model.classes_):
        proba[:, classes.index(label)] = model.predict_proba(X_test)[:, k]
    return scores_of(y_test, predicted, proba, task_type, classes, positive_class)


def scores_of(y_test, predicted, proba, task_type, classes, positive_class):
    """Butterfly's test metrics from predictions (and class probabilities in \`classes\` order)."""
    from sklearn import metrics
    if task_type == "regression":
        return {
            "r2": metrics.r2_score(y_test, predicted),
            "rmse": math.sqrt(metrics.mean_squared_error(y_test, predicted)),
            "mae": metrics.mean_absolute_error(y_test, predicted),
        }
    scores = {
        "accuracy": metrics.accuracy_score(y_test, predicted),
        "balanced_accuracy": metrics.balanced_accuracy_score(y_test, predicted),
        "f1_macro": metrics.f1_score(y_test, predicted, average="macro"),
    }
    try:
        if task_type == "binary":
            scores["roc_auc"] = metrics.roc_auc_score(y_test == positive_class, proba[:, classes.index(positive_class)])
        else:
            scores["roc_auc"] = metrics.roc_auc_score(y_test, proba, multi_class="ovr", average="macro", labels=classes)
    except ValueError:  # a class missing from the test rows
        scores["roc_auc"] = float("nan")
    scores["log_loss"] = metrics.log_loss(y_test, proba, labels=classes)
    return scores
`
