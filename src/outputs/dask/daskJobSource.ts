/**
 * The fixed Python of the Dask job (see buildDaskJob.ts): command-line arguments, reading CSV/Parquet
 * partitions with Dask, the split (the run's own test rows or a seeded hold-out by row content), the
 * recipe fitted from Dask reductions, the XGBoost-on-Dask equivalent of each model family with every
 * hyperparameter mapping written next to it, the metrics and the saved model. Kept to dask 2022.12,
 * distributed 2022.12 and XGBoost 1.7 APIs (Debian 12), which newer versions still accept.
 */

/** Arguments, cluster and data. */
export const daskJobMainSource = `def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DATA_DEFAULT,
                        help="CSV/TSV or Parquet: a path, a glob (data/part-*.csv) or a URL Dask reads "
                             "(s3://…, gs://…, hdfs://…, https://…); default: %(default)s")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786); "
                                            "without it a LocalCluster starts on this machine")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default %(default)s)")
    parser.add_argument("--threads-per-worker", type=int, default=1, help="LocalCluster threads per worker")
    parser.add_argument("--memory-limit", default="auto", help="LocalCluster memory per worker, e.g. 4GB")
    parser.add_argument("--out", default="dask_job_out", help="folder for model.json, recipe.json, metrics.json")
    parser.add_argument("--split", choices=("auto", "run", "holdout"), default="auto",
                        help="run: the run's own test rows (the same file); holdout: a seeded hold-out by row "
                             "content; auto (default): run when --data is one local file with the run's "
                             "SHA-256, else holdout")
    parser.add_argument("--recipe", choices=("refit", "run"), default="refit",
                        help="refit (default): fit preprocessing and feature engineering with Dask on the "
                             "training rows; run: apply the run's fitted recipe as is (when it was kept)")
    parser.add_argument("--blocksize", default="64MB", help="CSV bytes per partition (default %(default)s)")
    return parser.parse_args(argv)


def say(message):
    print(message, file=sys.stderr, flush=True)


def fail(message):
    say("dask_job: " + message)
    raise SystemExit(2)


def computed(*collections, attempts=3):
    """dask.compute, tried again when the scheduler cancels it: distributed 2022.12 (Debian 12) can lose a
    task that an earlier computation of the same frame is releasing (KeyError in update_graph, then
    CancelledError here). A cancelled computation has no effects, so computing it again is safe."""
    for attempt in range(1, attempts + 1):
        try:
            return dask.compute(*collections)
        except CancelledError:
            if attempt == attempts:
                raise
            say(f"the scheduler cancelled a computation (a known race in this version of distributed); retrying ({attempt + 1}/{attempts})")
            time.sleep(0.5 * attempt)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def typed_meta():
    """The typed frame's columns: numbers as float64, text (and class labels) as Python strings."""
    def text(name, kind):
        return kind not in NUMERIC_KINDS or (name == TARGET and TASK_TYPE != "regression")
    return pd.DataFrame({name: pd.Series(dtype=object if text(name, kind) else float)
                         for name, kind in COLUMN_KINDS.items()})


def is_parquet(data):
    return str(data).lower().rstrip("/").endswith((".parquet", ".pq"))


def read_data(data, blocksize):
    """The raw and the typed Dask frames of --data, typed per partition exactly as the notebook types a file."""
    if is_parquet(data):
        try:
            raw = dd.read_parquet(data)
        except (ImportError, RuntimeError) as error:
            if "pyarrow" not in str(error) and "fastparquet" not in str(error):
                raise
            fail("--data is Parquet, and this Python cannot read Parquet: install pyarrow (pip install pyarrow) "
                 "or fastparquet, or give the data as CSV")
        typer = type_parquet_columns
    else:
        # keep_default_na=False + na_values=[""]: only an empty field is missing ("NA", "None" are values).
        raw = dd.read_csv(data, sep=SEPARATOR, dtype=str, keep_default_na=False, na_values=[""],
                          blocksize=blocksize)
        typer = type_text_columns
    missing = [name for name in COLUMN_KINDS if name not in raw.columns]
    if missing:
        fail(f"--data has no column {missing[0]!r}; the run's file has " + ", ".join(map(repr, COLUMN_KINDS)))
    typed = raw.map_partitions(typer, COLUMN_KINDS, TARGET, TASK_TYPE, meta=typed_meta())
    return raw, typed


def unit_hash(keys, salt):
    """Deterministic uniform numbers in [0, 1) from uint64 keys (splitmix64 finalizer)."""
    z = (np.asarray(keys, dtype=np.uint64) ^ np.uint64(salt)) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


TRAIN, TEST, VALID = 0, 1, 2


def assign_parts(frame, offsets, test_rows, test_fraction, valid_fraction, partition_info=None):
    """Each row's part: TRAIN, TEST, VALID (early stopping, taken from the training rows) or -1 (no target).
    With \`offsets\` (the run's file) a row is a test row when its 0-based row number is in \`test_rows\`; else
    when a hash of its content and the seed falls below the test fraction (stable across partitionings)."""
    with np.errstate(over="ignore"):
        content = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        if offsets is not None:
            start = offsets[partition_info["number"]] if partition_info else 0
            is_test = np.isin(np.arange(start, start + len(frame)), test_rows)
        else:
            is_test = unit_hash(content, SEED) < test_fraction
        is_valid = unit_hash(content, SEED + 0x5DEECE66D) < valid_fraction
    part = np.where(is_test, TEST, np.where(is_valid, VALID, TRAIN))
    part[frame[TARGET].isna().to_numpy()] = -1
    return frame.assign(__part=part)


def design_matrix(frame, recipe, classes):
    """Model inputs (float32, recipe order), the target (class codes or numbers) and the part of each row."""
    X = apply_recipe(recipe, frame).astype(np.float32)
    if classes is None:
        X["__y"] = frame[TARGET].astype(float).to_numpy()
    else:
        X["__y"] = frame[TARGET].map({label: float(code) for code, label in enumerate(classes)}).to_numpy()
    X["__part"] = frame["__part"].to_numpy()
    return X


def first_rows(train, count):
    """The first \`count\` training rows in file order (for the engine's few-distinct-values check)."""
    taken = 1
    while True:
        rows = train.head(count, npartitions=taken, compute=True) if taken < train.npartitions else \\
            train.head(count, npartitions=-1, compute=True)
        if len(rows) >= count or taken >= train.npartitions:
            return rows
        taken *= 4


def partition_association_sums(frame, recipe, names, classes, n_classes):
    y = frame[TARGET]
    y = y.astype(float).to_numpy() if classes is None else y.map({c: i for i, c in enumerate(classes)}).to_numpy()
    return association_sums(apply_recipe(recipe, frame)[names], y, n_classes)


def fit_recipe(train, classes, args):
    """Preprocessing and feature engineering fitted with Dask on the training rows (the same functions as
    the notebook, fed Dask reductions), or the run's own fitted recipe with --recipe run."""
    if args.recipe == "run":
        if RUN_RECIPE is None:
            fail("--recipe run: this run's fitted recipe was not kept (a hook changed its features); use --recipe refit")
        return RUN_RECIPE
    feature_columns = [c for c in COLUMN_KINDS if c != TARGET and c not in EXCLUDED_COLUMNS]
    summaries = column_summaries(train, feature_columns, computed)
    recipe = fit_preprocessing_from_summaries(feature_columns, COLUMN_KINDS, summaries, PREPROCESSING)
    needs_first = FEATURE_ENGINEERING["logTransform"] and any(s["kind"] == "numeric" for s in recipe["steps"])
    first = first_rows(train, 1000) if needs_first else train._meta
    recipe = fit_feature_engineering_from_summaries(recipe, COLUMN_KINDS, summaries, first, FEATURE_ENGINEERING)
    if FEATURE_ENGINEERING["interactions"]:
        names = interaction_candidates(recipe)
        n_classes = len(classes) if classes is not None and len(classes) > 2 else 0
        parts = [dask.delayed(partition_association_sums)(part, recipe, names, classes, n_classes)
                 for part in train.to_delayed()]
        while len(parts) > 1:  # a tree of additions on the workers
            parts = [dask.delayed(add_sums)(*parts[i:i + 2]) if i + 1 < len(parts) else parts[i]
                     for i in range(0, len(parts), 2)]
        recipe = interaction_steps(recipe, names, computed(parts[0])[0], n_classes, FEATURE_ENGINEERING)
    return recipe
`

/** XGBoost-on-Dask equivalents of the model families. */
export const daskJobModelSource = `def limit(value):
    return 0 if value in (None, "none", 0, False) else int(value)


def early_stopping_on(hp, n_train):
    setting = hp.get("early_stopping", "auto")
    return n_train > 10000 if setting == "auto" else bool(setting)  # 'auto': on above 10,000 rows, as scikit-learn


def validation_share(family, hp, n_train):
    """The share of training rows held out for early stopping (gbdt, and the mlp's gbdt fallback)."""
    if family == "mlp":
        hp = {}
    elif family != "gbdt":
        return 0.0
    return float(hp.get("validation_fraction", 0.1)) if early_stopping_on(hp, n_train) else 0.0


def objective_params(classes, base_score):
    if classes is None:
        return {"objective": "reg:squarederror", "eval_metric": "rmse", "base_score": base_score}
    if len(classes) == 2:
        return {"objective": "binary:logistic", "eval_metric": "logloss", "base_score": base_score}
    return {"objective": "multi:softprob", "num_class": len(classes), "eval_metric": "mlogloss",
            "base_score": base_score}


def xgboost_plan(family, hp, classes, priors, y_mean, n_train, n_features):
    """(params, rounds, early-stopping rounds or None, what was trained, mapping notes) for a Butterfly family.
    Every Butterfly hyperparameter is mapped or the note says why it cannot be."""
    classification = classes is not None
    notes = []
    if family == "ensemble":
        members = json.loads(hp["members"])
        top = max(members, key=lambda m: m["weight"])
        notes.append("ensemble: a weighted average of " + ", ".join(f"{m['family']} {m['weight']:.2f}" for m in members)
                     + "; this job trains its heaviest member, " + top["family"] + ", alone")
        family, hp = top["family"], top["hyperparameters"]
    if family == "mlp":
        notes.append("mlp: no multi-machine MLP in Dask or XGBoost (dask-ml has none; scikit-learn's partial_fit "
                     "through dask-ml Incremental trains one partition at a time on one machine), so this job "
                     "trains the boosted-trees fallback: XGBoost GBDT with Butterfly's gbdt defaults")
        family, hp = "gbdt", {}
    if family == "gbdt":
        # Butterfly's gbdt is scikit-learn's HistGradientBoosting: leaf-wise histogram trees, Newton steps.
        p0 = priors[1] if classification and len(classes) == 2 else None
        base = p0 if p0 is not None else (y_mean if not classification else 0.5)
        hessian = 1.0 if not classification else float(np.mean([p * (1 - p) for p in priors]))
        params = {**objective_params(classes, base), "booster": "gbtree", "tree_method": "hist",
                  "grow_policy": "lossguide",                          # best-first growth, as HistGradientBoosting
                  "eta": float(hp.get("learning_rate", 0.1)),          # learning_rate
                  "max_leaves": limit(hp.get("max_leaf_nodes", 31)),   # max_leaf_nodes ('none' -> 0, no limit)
                  "max_depth": limit(hp.get("max_depth", "none")),     # max_depth ('none' -> 0, no limit)
                  "reg_lambda": float(hp.get("l2_regularization", 0)), # l2_regularization
                  "max_bin": int(hp.get("max_bins", 255)) + 1,         # max_bins (+1: XGBoost's bins include missing)
                  # min_samples_leaf is a row count; XGBoost limits a leaf's hessian sum instead: rows x the
                  # per-row hessian at the starting prediction (1 for squared error, p(1-p) for log loss).
                  "min_child_weight": float(hp.get("min_samples_leaf", 20)) * hessian,
                  "seed": SEED}
        notes.append("gbdt: max_iter->num_boost_round, learning_rate->eta, max_leaf_nodes->max_leaves, "
                     "max_depth->max_depth, l2_regularization->reg_lambda, max_bins->max_bin-1, "
                     f"min_samples_leaf->min_child_weight (x {hessian:.4g}, the starting per-row hessian), "
                     "early_stopping/validation_fraction/n_iter_no_change/tol->a seeded validation share of the "
                     "training rows, early-stopping rounds and min_delta; binary base_score = training prior")
        stop = int(hp.get("n_iter_no_change", 10)) if early_stopping_on(hp, n_train) else None
        return params, int(hp.get("max_iter", 100)), stop, "gbdt", notes
    if family in ("rf", "tree"):
        # XGBoost's random-forest mode: one round of num_parallel_tree trees, learning rate 1, no L2. With
        # reg_lambda = 0 and a constant starting prediction each leaf holds a linear function of its class share
        # (mean target for regression), so averaging the trees ranks and votes as a forest's averaged leaves.
        k = len(classes) if classification else 0
        hessian = 1.0 if not classification else (0.25 if k == 2 else (1 / k) * (1 - 1 / k))
        forest = family == "rf"
        max_features = hp.get("max_features", "auto") if forest else 1.0
        if max_features == "auto":
            max_features = "sqrt" if classification else 1.0
        if max_features == "sqrt":
            share = math.sqrt(n_features) / n_features
        elif max_features == "log2":
            share = max(1.0, math.log2(n_features)) / n_features
        else:
            share = float(max_features) if float(max_features) <= 1 else float(max_features) / n_features
        params = {**objective_params(classes, 0.5 if classification else y_mean), "booster": "gbtree",
                  "tree_method": "hist", "grow_policy": "lossguide", "eta": 1.0, "reg_lambda": 0.0,
                  "num_parallel_tree": int(hp.get("n_estimators", 100)) if forest else 1,   # n_estimators
                  # bootstrap: XGBoost samples rows without replacement; 0.632 is the share of distinct rows
                  # in a bootstrap sample of the same size.
                  "subsample": 0.632 if forest and hp.get("bootstrap", True) else 1.0,
                  "colsample_bynode": min(1.0, share),                                    # max_features
                  "max_depth": limit(hp.get("max_depth", "none")),                        # max_depth
                  "max_leaves": limit(hp.get("max_leaf_nodes", "none")),                  # max_leaf_nodes
                  "min_child_weight": float(hp.get("min_samples_leaf", 1)) * hessian,     # min_samples_leaf
                  "max_bin": 256, "seed": SEED}
        notes.append(f"{family}: XGBoost random-forest mode (num_parallel_tree=n_estimators, one round, eta 1, "
                     "reg_lambda 0); bootstrap->subsample 0.632 (without replacement), max_features->colsample_bynode "
                     f"{share:.4g}, min_samples_leaf->min_child_weight (x {hessian:.4g}, the per-row hessian), "
                     "max_depth, max_leaf_nodes as is; min_samples_split has no XGBoost equivalent (not applied); "
                     "splits are on 256 histogram bins, not exact thresholds")
        return params, 1, None, family, notes
    if family in ("logistic", "linear"):
        # XGBoost on Dask cannot train its linear booster (gblinear), so the job solves the run's own objective
        # data-parallel: the workers sum the loss and gradient (logistic, for scipy's L-BFGS on the client, as
        # Butterfly's lbfgs) or the normal equations (ridge, closed form on centred data, as Butterfly), and the
        # coefficients are stored as an XGBoost gblinear model, which predicts exactly that linear model.
        if family == "logistic":
            params = {"C": float(hp.get("C", 1.0)), "maxIter": int(hp.get("maxIter", 1000)),
                      "tol": float(hp.get("tol", 1e-5))}
            notes.append("logistic: the run's objective (mean log loss + ||W||^2 / (2 C n), intercept not penalised; "
                         "sigmoid for two classes, softmax for more) minimised by L-BFGS (C, maxIter, tol as is) "
                         "with loss and gradient summed on the Dask workers; saved as an XGBoost gblinear model")
        else:
            params = {"alpha": float(hp.get("alpha", 1.0))}
            notes.append("linear: ridge regression (alpha as is, not divided by the row count) solved in closed form "
                         "on centred data from X'X and X'y summed on the Dask workers; saved as an XGBoost gblinear "
                         "model")
        return params, 0, None, family, notes
    fail(f"no XGBoost-on-Dask equivalent for model family {family!r}")
`

/** Linear and logistic models fitted data-parallel on Dask and stored as XGBoost gblinear models. */
export const daskJobLinearSource = `def linear_partition_sums(frame, features, family, theta, n_classes):
    """Per partition: ridge normal-equation sums, or the logistic loss and gradient sums at theta."""
    X = frame[features].to_numpy(dtype=float)
    y = frame["__y"].to_numpy(dtype=float)
    if family == "linear":
        return {"n": float(len(y)), "x": X.sum(axis=0), "y": float(y.sum()), "xx": X.T @ X, "xy": X.T @ y}
    d = X.shape[1]
    if n_classes <= 2:
        w, b = theta[:d], theta[d]
        z = X @ w + b
        loss = float((np.logaddexp(0, z) - y * z).sum())
        diff = 1 / (1 + np.exp(-z)) - y
        return {"loss": loss, "grad": np.concatenate([X.T @ diff, [diff.sum()]])}
    W, b = theta[: d * n_classes].reshape(d, n_classes), theta[d * n_classes:]
    Z = X @ W + b
    Z = Z - Z.max(axis=1, keepdims=True)
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    Y = np.zeros_like(Z)
    Y[np.arange(len(y)), y.astype(int)] = 1
    diff = np.exp(log_p) - Y
    return {"loss": float(-(Y * log_p).sum()), "grad": np.concatenate([(X.T @ diff).reshape(-1), diff.sum(axis=0)])}


def summed(parts, *args):
    """linear_partition_sums over every partition, added up on the workers."""
    sums = [dask.delayed(linear_partition_sums)(part, *args) for part in parts]
    while len(sums) > 1:
        sums = [dask.delayed(add_sums)(*sums[i:i + 2]) if i + 1 < len(sums) else sums[i]
                for i in range(0, len(sums), 2)]
    return computed(sums[0])[0]


def fit_linear_on_dask(fit_rows, features, family, params, classes, n_train):
    """Coefficients (features x outputs) and intercepts of the run's linear or logistic model."""
    from scipy.optimize import minimize
    parts = fit_rows.to_delayed()
    d = len(features)
    if family == "linear":
        s = summed(parts, features, family, None, 0)
        mean_x, mean_y = s["x"] / s["n"], s["y"] / s["n"]
        sxx = s["xx"] - s["n"] * np.outer(mean_x, mean_x)
        sxy = s["xy"] - s["n"] * mean_x * mean_y
        w = np.linalg.lstsq(sxx + params["alpha"] * np.eye(d), sxy, rcond=None)[0]
        return w.reshape(d, 1), np.array([mean_y - mean_x @ w]), 1
    n_classes = len(classes)
    outputs = 1 if n_classes <= 2 else n_classes
    penalty = 1.0 / (params["C"] * n_train)

    def objective(theta):
        s = summed(parts, features, family, theta, n_classes)
        weights = theta[: d * outputs]
        grad = s["grad"] / n_train
        grad[: d * outputs] += penalty * weights
        return s["loss"] / n_train + 0.5 * penalty * float(weights @ weights), grad

    result = minimize(objective, np.zeros(d * outputs + outputs), jac=True, method="L-BFGS-B",
                      options={"maxiter": params["maxIter"], "gtol": params["tol"]})
    say(f"L-BFGS: {result.nit} iterations, {result.message}")
    return result.x[: d * outputs].reshape(d, outputs), result.x[d * outputs:], result.nit


def gblinear_booster(weights, intercepts, classes):
    """An XGBoost gblinear model holding these coefficients (margin = X @ weights + intercepts)."""
    d, outputs = weights.shape
    if classes is None:
        params, labels = {"objective": "reg:squarederror", "base_score": 0.0}, [0.0, 1.0]
    elif len(classes) == 2:
        params, labels = {"objective": "binary:logistic", "base_score": 0.5}, [0.0, 1.0]  # margin 0
    else:  # softmax ignores a margin shared by every class
        params, labels = {"objective": "multi:softprob", "num_class": outputs}, list(range(outputs))
    shell = xgb.train({**params, "booster": "gblinear"}, xgb.DMatrix(np.zeros((len(labels), d)), label=labels), 1)
    model = json.loads(shell.save_raw("json"))
    model["learner"]["gradient_booster"]["model"]["weights"] = [
        float(v) for v in np.concatenate([weights.reshape(-1), intercepts])]
    booster = xgb.Booster()
    booster.load_model(bytearray(json.dumps(model).encode()))
    return booster
`

/** Training, scoring and writing the results. */
export const daskJobRunSource = `def run_job(args):
    started = time.time()
    os.makedirs(args.out, exist_ok=True)
    dask.config.set({"dataframe.convert-string": False})
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
        say(f"connected to {args.scheduler}: {len(client.scheduler_info()['workers'])} workers")
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                               memory_limit=args.memory_limit, processes=True, silence_logs=logging.ERROR)
        client = Client(cluster)
        say(f"LocalCluster: {args.workers} workers x {args.threads_per_worker} threads, dashboard {client.dashboard_link}")
    if MODEL_FAMILY is None:
        fail("this run had no trained model (an override hook predicted); there is nothing to train")

    raw, typed = read_data(args.data, args.blocksize)
    split = args.split
    local_file = os.path.isfile(args.data)
    if split == "auto":
        split = "run" if local_file and sha256_of(args.data) == DATASET_HASH else "holdout"
    elif split == "run" and not local_file:
        fail("--split run needs --data to be the run's own file (one local file)")
    offsets = None
    if split == "run":
        (lengths,) = computed(raw.map_partitions(len))
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    test_rows = np.asarray(TEST_ROWS, dtype=np.int64)
    meta = typed._meta.assign(__part=np.array([], dtype=int))
    parts = typed.map_partitions(assign_parts, offsets, test_rows, TEST_FRACTION, 0.0, meta=meta)
    train = parts[parts["__part"] == TRAIN]

    # The classes (code-point order, as Butterfly) from every row with a target; training priors.
    labelled = parts[parts["__part"] >= 0]
    if TASK_TYPE == "regression":
        n_labelled, n_train, y_mean = computed(labelled[TARGET].count(), train[TARGET].count(),
                                                   train[TARGET].mean())
        classes, priors, y_mean = None, None, float(y_mean)
    else:
        target_counts, train_counts = computed(labelled[TARGET].value_counts(), train[TARGET].value_counts())
        classes = sorted(str(label) for label in target_counts.index)
        n_labelled, n_train = int(target_counts.sum()), int(train_counts.sum())
        priors = [float(train_counts.get(label, 0)) / n_train for label in classes]
        y_mean = None
    n_train = int(n_train)
    say(f"{split} split: {n_train} training rows, {int(n_labelled) - n_train} test rows")

    recipe = fit_recipe(train, classes, args)
    say(f"recipe: {sum(len(s.get('outputs', [0])) for s in recipe['steps'])} features ({args.recipe})")
    valid_fraction = validation_share(MODEL_FAMILY, HYPERPARAMETERS, n_train)
    if valid_fraction > 0:  # scikit-learn's early stopping holds out a share of the training rows
        parts = typed.map_partitions(assign_parts, offsets, test_rows, TEST_FRACTION, valid_fraction, meta=meta)
    design_meta = design_matrix(typed_meta().assign(__part=np.array([], dtype=int)), recipe, classes)
    design = parts.map_partitions(design_matrix, recipe, classes, meta=design_meta).persist()
    features = [c for c in design.columns if c not in ("__y", "__part")]

    params, rounds, stop, trained, notes = xgboost_plan(MODEL_FAMILY, HYPERPARAMETERS, classes, priors, y_mean,
                                                        n_train, len(features))
    for note in notes:
        say("mapping: " + note)
    fit_rows = design[design["__part"] == TRAIN]
    fit_started = time.time()
    if trained in ("logistic", "linear"):
        weights, intercepts, rounds = fit_linear_on_dask(fit_rows, features, trained, params, classes, n_train)
        booster = gblinear_booster(weights, intercepts, classes)
    else:
        dtrain = xgb.dask.DaskDMatrix(client, fit_rows[features], fit_rows["__y"])
        evals, callbacks = [], []
        if stop:
            valid_rows = design[design["__part"] == VALID]
            evals = [(xgb.dask.DaskDMatrix(client, valid_rows[features], valid_rows["__y"]), "valid")]
            callbacks = [xgb.callback.EarlyStopping(rounds=stop, min_delta=float(HYPERPARAMETERS.get("tol", 1e-7)),
                                                    data_name="valid")]
        output = xgb.dask.train(client, params, dtrain, num_boost_round=rounds, evals=evals, callbacks=callbacks,
                                verbose_eval=False)
        booster = output["booster"]
        rounds = booster.num_boosted_rounds()
    fit_seconds = time.time() - fit_started

    test = design[design["__part"] == TEST]
    predicted = xgb.dask.predict(client, booster, test[features])
    y_test, raw_predictions = computed(test["__y"], predicted)
    y_test, raw_predictions = np.asarray(y_test), np.asarray(raw_predictions)
    if classes is None:
        scores = scores_of(y_test, raw_predictions, None, TASK_TYPE, None, None)
    else:
        proba = raw_predictions.reshape(len(y_test), -1)
        if proba.shape[1] == 1:
            proba = np.column_stack([1 - proba[:, 0], proba[:, 0]])
        labels = np.asarray(classes, dtype=object)
        scores = scores_of(labels[y_test.astype(int)], labels[np.argmax(proba, axis=1)], proba, TASK_TYPE,
                           classes, POSITIVE_CLASS)
    scores = {name: float(value) for name, value in scores.items()}

    provenance = {"butterfly_run_id": RUN_ID, "butterfly_snapshot_hash": SNAPSHOT_HASH,
                  "butterfly_dataset_hash": DATASET_HASH, "butterfly_model_family": MODEL_FAMILY,
                  "butterfly_trained": trained}
    booster.set_attr(**provenance, butterfly_features=json.dumps(features),
                     butterfly_classes=json.dumps(classes))
    booster.save_model(os.path.join(args.out, "model.json"))
    with open(os.path.join(args.out, "recipe.json"), "w") as handle:
        json.dump(recipe, handle, indent=1)
    # Peak resident memory of each worker process so far (Linux reports kilobytes).
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    finite = {name: (value if value == value and abs(value) != float("inf") else None) for name, value in scores.items()}
    report = {**provenance, "data": args.data, "split": split, "recipe": args.recipe, "training_rows": n_train,
              "test_rows": int(len(y_test)), "features": len(features), "rounds": int(rounds),
              "mapping": notes, "fit_seconds": round(fit_seconds, 3), "wall_seconds": round(time.time() - started, 3),
              "worker_peak_rss_mb": {address: round(mb, 1) for address, mb in sorted(peaks.items())},
              "metrics": finite, "run_metrics": {k: (v if v == v else None) for k, v in RUN_METRICS.items()}}
    with open(os.path.join(args.out, "metrics.json"), "w") as handle:
        json.dump(report, handle, indent=1)
    say(f"{'metric':<20}{'Dask job':>12}{'Butterfly run':>15}")
    for name, value in scores.items():
        say(f"{name:<20}{value:>12.4f}{RUN_METRICS.get(name, float('nan')):>15.4f}")
    say(f"model, recipe and metrics in {args.out}")
    try:  # the results are written; a slow shutdown on a busy machine must not fail the job
        client.close()
        if cluster is not None:
            cluster.close()
    except Exception as error:
        say(f"note: the cluster did not shut down cleanly ({error!r})")
    print(json.dumps(finite), flush=True)  # the last line: the test metrics as JSON
    return scores


if __name__ == "__main__":  # required: LocalCluster starts worker processes that import this file
    run_job(parse_args())
`
