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


def read_table(path, column_kinds, sep, target, task_type):
    if str(path).lower().endswith(".parquet"):  # needs pyarrow; typed columns, text as in Butterfly
        raw = pd.read_parquet(path)
        frame = pd.DataFrame(index=raw.index)
        for name, kind in column_kinds.items():
            if kind in ("numeric", "boolean"):
                frame[name] = raw[name].astype(float)
            else:
                frame[name] = raw[name].map(lambda v: str(v) if v is not None and v == v else np.nan)
        return frame
    # keep_default_na=False + na_values=[""]: only an empty field is missing ("NA", "None" are values).
    raw = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])
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
    if task_type != "regression" and column_kinds[target] in ("numeric", "boolean"):
        frame[target] = frame[target].map(lambda v: js_number_label(v) if v == v else np.nan)
    return frame
`

/** The feature recipe: fit (preprocessing + feature engineering) and apply, step for step like the engine. */
export const pythonRecipeSource = `NUMERIC_KINDS = ("numeric", "boolean", "datetime")
DATETIME_PARTS = ("year", "month", "day", "weekday", "hour")


def fit_affine(values, mode):
    values = np.asarray(values, dtype=float)
    if mode == "none" or len(values) == 0:
        return {"center": 0.0, "scale": 1.0}
    if mode == "minmax":
        low, high = float(values.min()), float(values.max())
        return {"center": low, "scale": high - low if high > low else 1.0}
    mean = float(values.mean())
    std = math.sqrt(float(((values - mean) ** 2).sum()) / len(values))
    # A constant column keeps scale 1, as scikit-learn's StandardScaler.
    return {"center": mean, "scale": std if std > 1e-12 * max(1.0, abs(mean)) else 1.0}


def datetime_part(epoch_ms, part):
    stamps = pd.to_datetime(np.asarray(epoch_ms, dtype=float), unit="ms", utc=True)
    if part == "weekday":
        return ((stamps.dayofweek + 1) % 7).to_numpy(dtype=float)  # Sunday = 0, as JavaScript's getUTCDay
    return np.asarray(getattr(stamps, part), dtype=float)


def fit_preprocessing(frame, feature_columns, column_kinds, train_rows, config):
    steps = []
    for name in feature_columns:
        values = frame[name].iloc[train_rows]
        if column_kinds[name] in NUMERIC_KINDS:
            present = values.dropna().to_numpy(dtype=float)
            imputation = config["numericImputation"]
            if len(present) == 0:
                fill = float("nan")
            elif imputation == "mean":
                fill = float(present.mean())
            elif imputation == "most_frequent":
                levels, counts = np.unique(present, return_counts=True)
                fill = float(levels[np.argmax(counts)])  # ties: the smallest value
            elif imputation == "constant":
                fill = float(config["numericFillValue"])
            else:  # median, and indicator (median plus a missing flag)
                fill = float(np.median(present))
            if fill != fill:
                fill = float(config["numericFillValue"]) if imputation == "constant" else 0.0
            filled = values.fillna(fill).to_numpy(dtype=float)
            steps.append({"kind": "numeric", "source": name, "output": name, "fill": fill, "log": False,
                          "affine": fit_affine(filled, config["scaling"])})
            if imputation == "indicator" and len(present) < len(train_rows):
                steps.append({"kind": "missing_indicator", "source": name, "output": name + "__missing"})
            continue
        counts = values.value_counts(dropna=True).to_dict()
        if config["categoricalImputation"] == "constant":
            fill = config["categoricalFillValue"]
        else:  # most frequent training level; ties go to the first in code-point order
            fill = min(counts, key=lambda level: (-counts[level], level)) if counts else None
        missing = int(values.isna().sum())
        if fill is not None and missing > 0:
            counts[fill] = counts.get(fill, 0) + missing
        present = sorted((level, count) for level, count in counts.items() if count > 0)
        levels = [level for level, _ in present]
        encoding = config["encoding"]
        if encoding == "ordinal":
            steps.append({"kind": "ordinal", "source": name, "output": name, "levels": levels,
                          "fill": fill if fill is not None else (levels[0] if levels else "")})
        elif encoding == "frequency":
            frequencies = [count / len(train_rows) for _, count in present]
            fill_level = fill if fill is not None else ""
            lookup = dict(zip(levels, frequencies))
            train_values = [lookup.get(v, 0.0) for v in values.fillna(fill_level)]
            steps.append({"kind": "frequency", "source": name, "output": name + "__frequency", "levels": levels,
                          "frequencies": frequencies, "fill": fill_level,
                          "affine": fit_affine(train_values, config["scaling"])})
        else:
            kept, other = levels, False
            if len(levels) > config["maxOneHotLevels"]:
                top = sorted(present, key=lambda p: (-p[1], p[0]))[: config["maxOneHotLevels"]]
                kept, other = sorted(level for level, _ in top), True
            outputs = [f"{name}={level}" for level in kept] + ([f"{name}=__other__"] if other else [])
            steps.append({"kind": "onehot", "source": name, "outputs": outputs, "levels": kept, "other": other,
                          "fill": fill})
    return {"version": 1, "scaling": config["scaling"], "steps": steps}


def skewness(values):
    n = len(values)
    if n < 3:
        return 0.0
    d = values - values.mean()
    m2, m3 = float((d * d).mean()), float((d * d * d).mean())
    return m3 / m2 ** 1.5 if m2 > 0 else 0.0


def association(feature, y, multiclass):
    d = feature - feature.mean()
    total = float((d * d).sum())
    if total == 0:
        return 0.0
    if multiclass:  # correlation ratio
        between = sum(
            (y == c).sum() * (feature[y == c].mean() - feature.mean()) ** 2 for c in np.unique(y)
        )
        return math.sqrt(between / total)
    dy = y - y.mean()
    syy = float((dy * dy).sum())
    return abs(float((d * dy).sum()) / math.sqrt(total * syy)) if syy > 0 else 0.0


def fit_feature_engineering(recipe, frame, column_kinds, train_rows, y_train, multiclass, config):
    steps = []
    for step in recipe["steps"]:
        if step["kind"] != "numeric":
            steps.append(step)
            continue
        kind = column_kinds[step["source"]]
        filled = frame[step["source"]].iloc[train_rows].fillna(step["fill"]).to_numpy(dtype=float)
        if config["datetimeParts"] and kind == "datetime":
            for part in DATETIME_PARTS:
                values = datetime_part(filled, part)
                if len(values) == 0 or (values == values[0]).all():
                    continue  # a part that never varies carries no information
                steps.append({"kind": "datetime_part", "source": step["source"],
                              "output": step["source"] + "__" + part, "part": part, "fill": step["fill"],
                              "affine": fit_affine(values, recipe["scaling"])})
            continue
        if config["logTransform"] and kind != "datetime" and (filled >= 0).all():
            if len(set(filled[:1000])) > 2 and abs(skewness(filled)) > config["skewThreshold"]:
                steps.append({**step, "output": "log1p(" + step["source"] + ")", "log": True,
                              "affine": fit_affine(np.log1p(filled), recipe["scaling"])})
                continue
        steps.append(step)
    fitted = {**recipe, "steps": steps}
    if not config["interactions"]:
        return fitted
    train = apply_recipe(fitted, frame.iloc[train_rows])
    numeric_outputs = {s["output"] for s in steps if s["kind"] in ("numeric", "datetime_part")}
    ranked = sorted(
        ((association(train[name].to_numpy(), y_train, multiclass), name) for name in train.columns
         if name in numeric_outputs),
        key=lambda pair: (-pair[0], pair[1]),
    )[: config["interactionTopK"]]
    for a in range(len(ranked)):
        for b in range(a + 1, len(ranked)):
            left, right = ranked[a][1], ranked[b][1]
            steps.append({"kind": "interaction", "left": left, "right": right, "output": left + "*" + right})
    return {**recipe, "steps": steps}


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
    from sklearn import metrics
    predicted = model.predict(X_test)
    if task_type == "regression":
        return {
            "r2": metrics.r2_score(y_test, predicted),
            "rmse": math.sqrt(metrics.mean_squared_error(y_test, predicted)),
            "mae": metrics.mean_absolute_error(y_test, predicted),
        }
    # Probabilities in Butterfly's class order (a class absent from the training rows gets 0).
    proba = np.zeros((len(y_test), len(classes)))
    for k, label in enumerate(model.classes_):
        proba[:, classes.index(label)] = model.predict_proba(X_test)[:, k]
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
