"""The lookalike model: how much a company's term profile resembles the customers'.

Four views of resemblance, each computed with matrix algebra over whole batches:

1. **segment similarity**: cosine to the nearest segment centroid (:mod:`scoring.segments`);
2. **nearest customers**: mean cosine to the ``n_neighbors`` most similar customers;
3. **PU classifier**: logistic regression of customers against the unlabelled background of
   non-customers. Some of the background are in truth customer-like (that is what we are looking
   for), so this is positive-unlabelled learning: the classifier is cross-fitted, and a
   background company is always scored by a fold model that did not see it as a negative
   (:attr:`LookalikeModel.oof_ids_`); class weights are balanced.
4. **latent similarity**: cosine to the nearest segment query in a latent semantic space
   (LSA: a truncated SVD of the training profiles, customers and background), rows centred on
   the background's mean (removes the direction all sites share, so generic "hub" sites are
   not near everything), queries expanded by pseudo-relevance feedback from the background at
   fit time (:class:`LatentView`). Two sites about the same business that use different words
   are close there; with one to three customers the term views see only a few words and this
   view carries the ranking. Like the classifier it is cross-fitted: each background fold is
   scored by a view with its own SVD fitted without that fold.

The views are standardised against the background and combined with fixed weights that depend
only on the number of customers ``n`` (:func:`view_weights`): each of the three term views
weighs ``r = n / (n + prior_customers)``, the latent view ``2 - r``. With one to three
customers the term views see a handful of words (their centroid, neighbours and classifier are
noise-dominated) and the latent view carries the ranking; at ``prior_customers`` (20)
customers the term views together weigh as much as the latent view; with hundreds they weigh
almost 1 each, as before the latent view existed. No weight is learned from the customers
(a stacker learned from a handful of customers proved too noisy, and a Platt fit on them could
even flip its sign). The raw score is calibrated against the background's out-of-sample raw
scores: the score is the share of non-customer sites that resemble the customers less
(scaled to 0..99), so 90 means "more customer-like than 90 % of the market", whatever the number
of customers or candidates in a run; beyond the best background site it approaches 100
smoothly. Ranking uses the raw score. Background companies scored by domain get exactly their
out-of-sample features (:attr:`LookalikeModel.oof_features_`); new companies are scored by
models of the same strength (the mean of the fold classifiers, the first fold's latent view),
so both are on the calibration's scale.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.decomposition import TruncatedSVD
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from scoring.errors import ScoringInputError
from scoring.segments import (
    Segment,
    SegmentParams,
    centroids,
    choose_segments,
    describe_segments,
    document_counts,
    log_odds_z,
)

log = logging.getLogger(__name__)

MIN_CUSTOMERS = 1  # one customer is a usable seed: the latent view carries the ranking
FEATURES = ("segment_similarity", "neighbor_similarity", "pu_logit", "latent_similarity")


# pseudo-relevance feedback: background sites added to each segment's query, the weight of
# each (in customers) and the rounds
FEEDBACK, FEEDBACK_WEIGHT, FEEDBACK_ROUNDS = 20, 0.2, 3
# ... and at most this share of the background: a small background holds few true lookalikes,
# and 20 of 50 sites pull the query towards what all of them share (measured on the test
# world: with one customer, 0.7 of its lookalikes on top instead of all); from 200 background
# sites per fold on, the 20 apply unchanged
FEEDBACK_SHARE = 0.1


def customers_phrase(n: int) -> str:
    """``"1 customer"``, ``"3 customers"``."""
    return f"{n} customer" if n == 1 else f"{n} customers"


def too_few_customers(need: int, got: str | int) -> str:
    """The error for too few usable customers (model, training and CLI say the same)."""
    return (
        f"the lookalike model needs at least {customers_phrase(need)} with usable pages, got {got}"
    )


def auto_components(n_documents: int) -> int:
    """Latent dimensions for a training corpus of ``n_documents`` profiles: about the square
    root of the corpus size (more companies, more distinguishable lines of business), within
    [2, 100] (scoring time grows linearly with it)."""
    return int(np.clip(round(np.sqrt(n_documents)), 2, 100))


def view_weights(n_customers: int, prior_customers: float, latent: bool = True) -> np.ndarray:
    """Weights of the standardised views (order of :data:`FEATURES`), summing to 1.

    They depend only on the number of customers: ``r = n / (n + prior_customers)`` is how far
    the term views (segment centroid, nearest customers, PU classifier), estimated from the
    customers' own words, can be trusted; the latent view weighs ``2 - r`` (it carries the
    ranking when a few customers give the term views only a few words). Without a latent view
    the term views weigh equally.
    """
    r = n_customers / (n_customers + prior_customers) if prior_customers > 0 else 1.0
    w = np.array([r, r, r, 2.0 - r]) if latent else np.array([1.0, 1.0, 1.0, 0.0])
    return w / w.sum()


class LatentSpace(NamedTuple):
    """A truncated SVD of TF-IDF profiles: rows are projected with ``X @ basis`` and
    L2-normalised, so a dot product is the cosine in the latent space."""

    basis: np.ndarray  # V x k (the SVD's components, transposed), C order, float32

    @classmethod
    def fit(cls, X: sp.spmatrix, n_components: int, random_state: int = 0) -> LatentSpace:
        k = max(1, min(n_components, X.shape[0] - 1, X.shape[1] - 1))
        svd = TruncatedSVD(k, algorithm="randomized", n_iter=5, random_state=random_state)
        svd.fit(sp.csr_matrix(X, dtype=np.float32))
        return cls(np.ascontiguousarray(svd.components_.T, dtype=np.float32))

    @property
    def n_components(self) -> int:
        return int(self.basis.shape[1])

    def project(self, X: sp.spmatrix) -> np.ndarray:
        E = np.asarray(X @ self.basis, dtype=np.float32)
        return normalize(E, copy=False)


def _centred(P: np.ndarray, X: sp.spmatrix, center: np.ndarray) -> np.ndarray:
    """Projected rows ``P`` (of ``X``) centred and L2-normalised; rows of ``X`` without any
    term stay zero."""
    empty = np.asarray(X.getnnz(axis=1) == 0) if sp.issparse(X) else ~P.any(axis=1)
    P = P - center
    P[empty] = 0.0
    return normalize(P, copy=False)


class LatentView(NamedTuple):
    """The latent view of a fitted model: rows are projected into the latent space, centred on
    the background's mean and L2-normalised; the score is the best cosine to a segment query.

    Centring removes the direction every site shares (in an LSA space most sites are close to
    the first component, so some sites are near everything: "hubs"); the queries are the
    segments' customers plus pseudo-relevance feedback from the background (Rocchio): the
    ``feedback`` background sites nearest the query (at most :data:`FEEDBACK_SHARE` of the
    background), each counted as ``feedback_weight`` of a customer, in ``feedback_rounds``
    rounds. The feedback is fixed at fit time, so a
    candidate's score does not depend on the other candidates scored with it.
    """

    space: LatentSpace
    center: np.ndarray  # k, float32: mean projection of the background
    queries: np.ndarray  # segments x k, float32, L2-normalised

    def embed(self, X: sp.spmatrix) -> np.ndarray:
        """Centred, L2-normalised latent rows; a row without any known term (no evidence of
        resemblance) embeds as zero, so its similarity is 0 as in the term views, not the
        cosine of ``-center`` to the query."""
        return _centred(self.space.project(X), X, self.center)

    def similarity(self, X: sp.spmatrix) -> np.ndarray:
        return (self.embed(X) @ self.queries.T).max(axis=1)


def fit_latent_view(
    space: LatentSpace,
    X_pos: sp.spmatrix,
    X_unl: sp.spmatrix,
    labels: np.ndarray,
    feedback: int,
    feedback_weight: float,
    feedback_rounds: int,
) -> tuple[LatentView, np.ndarray]:
    """The latent view on ``space`` (see :class:`LatentView`) and each customer's
    leave-one-out similarity (its cosine to its segment's query without itself)."""
    P_unl = space.project(X_unl)
    center = P_unl.mean(axis=0).astype(np.float32)
    E_unl = _centred(P_unl, X_unl, center)
    E_pos = _centred(space.project(X_pos), X_pos, center)
    k = int(labels.max()) + 1
    sums = np.zeros((k, E_pos.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, E_pos)
    queries = sums.copy()
    m = min(feedback, max(1, round(FEEDBACK_SHARE * E_unl.shape[0])), E_unl.shape[0])
    if m > 0 and feedback_weight > 0:
        for _ in range(feedback_rounds):
            S = E_unl @ normalize(queries).T  # n_unl x segments
            top = np.argpartition(-S, m - 1, axis=0)[:m]  # m x segments
            queries = sums + feedback_weight * E_unl[top].sum(axis=0)
    view = LatentView(space, center, normalize(queries).astype(np.float32))
    # leave-one-out: a customer's own row taken out of its segment's query
    dots = E_pos @ queries.T
    norms = np.tile(np.linalg.norm(queries, axis=1), (E_pos.shape[0], 1))
    rows = np.arange(E_pos.shape[0])
    own = queries[labels] - E_pos
    dots[rows, labels] -= (E_pos * E_pos).sum(axis=1)
    norms[rows, labels] = np.linalg.norm(own, axis=1)
    loo = np.where(norms > 1e-9, dots / np.maximum(norms, 1e-9), 0.0).max(axis=1)
    return view, loo


class LookalikeScores(NamedTuple):
    score: np.ndarray  # 0..100, calibrated against the background
    raw: np.ndarray  # rank by this (strictly ordered where the score saturates)
    segment: np.ndarray  # assigned segment id
    similarity: np.ndarray  # cosine to the assigned segment's centroid


def _loo_centroid_similarity(X: sp.spmatrix | np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each row's best cosine to a segment centroid, with the row itself left out of its own
    segment's centroid (rows L2-normalised; sparse or dense)."""
    k = int(labels.max()) + 1
    n = X.shape[0]
    member = sp.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
    sums = member @ X
    sums = sums.toarray() if sp.issparse(sums) else np.asarray(sums)
    sums = sums.astype(np.float64)  # k x V (dense)
    dots = np.asarray(X @ sums.T, dtype=np.float64)  # n x k
    sq = (sums**2).sum(axis=1)  # k
    self_sq = (
        np.asarray(X.multiply(X).sum(axis=1)).ravel()
        if sp.issparse(X)
        else (np.asarray(X, dtype=np.float64) ** 2).sum(axis=1)
    )
    rows = np.arange(n)
    norms = np.tile(np.sqrt(sq), (n, 1))
    dots[rows, labels] -= self_sq
    own_sq = sq[labels] - 2 * (dots[rows, labels] + self_sq) + self_sq
    norms[rows, labels] = np.sqrt(np.maximum(own_sq, 0.0))
    sims = np.where(norms > 1e-9, dots / np.maximum(norms, 1e-9), 0.0)
    return sims.max(axis=1)


def _mean_classifier(classifiers: Sequence[LogisticRegression]) -> LogisticRegression:
    """One logistic regression whose decision function is the mean of ``classifiers``'."""
    mean = copy.deepcopy(classifiers[0])
    mean.coef_ = np.mean([c.coef_ for c in classifiers], axis=0)
    mean.intercept_ = np.mean([c.intercept_ for c in classifiers], axis=0)
    return mean


def _topk_mean(S: np.ndarray, k: int) -> np.ndarray:
    k = max(1, min(k, S.shape[1]))
    if k == S.shape[1]:
        return S.mean(axis=1)
    return np.partition(S, S.shape[1] - k, axis=1)[:, -k:].mean(axis=1)


class LookalikeModel(BaseEstimator):
    """Fitted on customer profiles (positives) and non-customer profiles (unlabelled)."""

    # defaults for models pickled before pseudo-relevance feedback (get_params, repr, clone)
    feedback = FEEDBACK
    feedback_weight = FEEDBACK_WEIGHT
    feedback_rounds = FEEDBACK_ROUNDS

    def __init__(
        self,
        n_neighbors: int = 3,
        C: float = 1.0,
        n_components: int | None = None,
        prior_customers: float = 20.0,
        feedback: int = FEEDBACK,
        feedback_weight: float = FEEDBACK_WEIGHT,
        feedback_rounds: int = FEEDBACK_ROUNDS,
        min_customers: int = MIN_CUSTOMERS,
        cv_folds: int = 5,
        max_segments: int = 8,
        min_gap: float = 0.1,
        chunk_rows: int = 50_000,
        n_jobs: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.C = C
        self.n_components = n_components
        self.prior_customers = prior_customers
        self.feedback = feedback
        self.feedback_weight = feedback_weight
        self.feedback_rounds = feedback_rounds
        self.min_customers = min_customers
        self.cv_folds = cv_folds
        self.max_segments = max_segments
        self.min_gap = min_gap
        self.chunk_rows = chunk_rows
        self.n_jobs = n_jobs
        self.random_state = random_state

    # fitting -------------------------------------------------------------------------------
    def fit(
        self,
        X_pos: sp.csr_matrix,
        X_unl: sp.csr_matrix,
        *,
        customer_ids: Sequence[str],
        unlabelled_ids: Sequence[str],
        terms: np.ndarray,
        latent: LatentSpace | None = None,
    ) -> LookalikeModel:
        """Fit on customers (``X_pos``) against the background (``X_unl``).

        The latent spaces are truncated SVDs of customers and background together, one per
        background fold (``n_components``: None = :func:`auto_components`, 0 = no latent
        view). Pass the background's left-out profiles
        (:meth:`scoring.profiles.TermVectorizer.transform_left_out`) so it looks as new
        companies will.

        ``latent``: one space fitted beforehand, used for every fold instead of fitting one per
        fold. It saves the SVDs (a benchmark over many seed sets of one corpus), but the
        background's latent features are then not fully out of sample; the product never
        passes it.
        """
        n_pos, n_unl = X_pos.shape[0], X_unl.shape[0]
        need = max(1, self.min_customers)
        if n_pos < need:
            raise ScoringInputError(too_few_customers(need, n_pos))
        if n_unl < 2:
            raise ScoringInputError(
                f"the lookalike model needs at least 2 non-customer sites as background, "
                f"got {n_unl}"
            )
        X_pos, X_unl = (
            sp.csr_matrix(X_pos, dtype=np.float32),
            sp.csr_matrix(X_unl, dtype=np.float32),
        )
        self.terms_ = np.asarray(terms, dtype=object)
        self.customer_ids_ = np.asarray(list(customer_ids), dtype=object)
        self.customers_ = X_pos
        seg_params = SegmentParams(
            max_segments=self.max_segments,
            min_gap=self.min_gap,
            random_state=self.random_state,
        )
        self.labels_, self.silhouettes_ = choose_segments(X_pos, seg_params)
        self.centroids_ = centroids(X_pos, self.labels_)
        self.diff_z_ = log_odds_z(document_counts(X_pos), document_counts(X_unl)).astype(np.float32)
        self.segments_: list[Segment] = describe_segments(
            X_pos, self.labels_, list(customer_ids), document_counts(X_unl), self.terms_, seg_params
        )

        # Cross-fitting. The background is split into folds; for each, a PU classifier and a
        # latent view (SVD, centre, queries) are fitted on all customers and the other folds,
        # and score that fold: every background company gets out-of-sample features, as a new
        # company does. New companies are scored by models of the same strength: the mean of
        # the fold classifiers (a linear model: the mean of their scores) and the first fold's
        # latent view (a model fitted on all data would see its unseen sites as more unlike
        # the customers than the fold models saw theirs, and shift the calibration). A
        # customer (for calibration) is scored by a classifier that did not see it.
        n_latent = (
            0 if self.n_components == 0 else self.n_components or auto_components(n_pos + n_unl)
        )
        X_all = sp.vstack([X_pos, X_unl]).tocsr()
        y = np.r_[np.ones(n_pos), np.zeros(n_unl)]
        oof = np.zeros(len(y))
        oof_latent = np.zeros(n_unl)
        rng = np.random.default_rng(self.random_state)
        unl_fold = rng.permutation(n_unl) % max(2, min(self.cv_folds, n_unl))
        pos_fold = rng.permutation(n_pos) % max(2, min(self.cv_folds, n_pos))
        unl_rows = np.arange(n_unl) + n_pos
        classifiers: list[LogisticRegression] = []
        self.latent_view_: LatentView | None = None
        loo_latent = np.zeros(n_pos)
        for f in np.unique(unl_fold):
            train = np.r_[np.arange(n_pos), unl_rows[unl_fold != f]]
            test = unl_rows[unl_fold == f]
            classifiers.append(self._classifier().fit(X_all[train], y[train]))
            oof[test] = classifiers[-1].decision_function(X_all[test])
            if n_latent:
                X_rest = X_unl[unl_fold != f]
                space = latent or LatentSpace.fit(
                    sp.vstack([X_pos, X_rest]), n_latent, self.random_state
                )
                view, loo = self._latent_view(space, X_pos, X_rest)
                oof_latent[unl_fold == f] = view.similarity(X_unl[unl_fold == f])
                if self.latent_view_ is None:
                    self.latent_view_, loo_latent = view, loo
        self.classifier_ = _mean_classifier(classifiers)
        for f in np.unique(pos_fold):
            train = np.r_[np.flatnonzero(pos_fold != f), unl_rows]
            test = np.flatnonzero(pos_fold == f)
            # with a single customer there is no model without it: it gets the in-sample score
            clf = self._classifier().fit(X_all[train], y[train]) if n_pos > 1 else self.classifier_
            oof[test] = clf.decision_function(X_all[test])

        # standardised and calibrated on out-of-sample features only
        F_pos = np.column_stack(
            [
                _loo_centroid_similarity(X_pos, self.labels_),
                self._loo_neighbor_similarity(X_pos),
                oof[:n_pos],
                loo_latent,
            ]
        )
        F_unl, _ = self._features(X_unl)
        F_unl[:, 2] = oof[n_pos:]
        F_unl[:, 3] = oof_latent
        # background companies scored later (by id) get these out-of-sample features
        self.oof_ids_ = pd.Index(list(unlabelled_ids))
        self.oof_features_ = F_unl.astype(np.float32)
        F = np.vstack([F_pos, F_unl])
        # each view standardised against the background, then combined with weights that
        # depend only on the number of customers (a stacker learned from tens of customers is
        # too noisy to trust: it was measured)
        self.feature_mean_ = F_unl.mean(axis=0)
        self.feature_scale_ = F_unl.std(axis=0) + 1e-6
        Z = (F - self.feature_mean_) / self.feature_scale_
        self.stack_weights_ = view_weights(
            n_pos, self.prior_customers, self.latent_view_ is not None
        )
        raw_unl = Z[n_pos:] @ self.stack_weights_
        self.calibration_ = np.quantile(raw_unl, np.linspace(0.0, 1.0, 201))
        self.customer_scores_ = self._calibrate(Z[:n_pos] @ self.stack_weights_)
        log.info(
            "fitted lookalike model: %d customers, %d background, %d segments, weights %s",
            n_pos,
            n_unl,
            len(self.segments_),
            dict(zip(FEATURES, np.round(self.stack_weights_, 3).tolist(), strict=True)),
        )
        return self

    def _latent_view(
        self, space: LatentSpace, X_pos: sp.spmatrix, X_unl: sp.spmatrix
    ) -> tuple[LatentView, np.ndarray]:
        return fit_latent_view(
            space,
            X_pos,
            X_unl,
            self.labels_,
            self.feedback,
            self.feedback_weight,
            self.feedback_rounds,
        )

    def _classifier(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=1000)

    def _loo_neighbor_similarity(self, X_pos: sp.csr_matrix) -> np.ndarray:
        S = np.asarray((X_pos @ X_pos.T).todense(), dtype=np.float64)
        if S.shape[0] < 2:
            return np.zeros(S.shape[0])
        np.fill_diagonal(S, -np.inf)
        return _topk_mean(S, max(1, min(self.n_neighbors, S.shape[0] - 1)))

    # scoring -------------------------------------------------------------------------------
    def _features(
        self, X: sp.csr_matrix, ids: Sequence[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Features (n x 4, :data:`FEATURES`) and assigned segment per row, in row chunks."""
        X = sp.csr_matrix(X, dtype=np.float32)
        n = X.shape[0]
        view: LatentView | None = getattr(self, "latent_view_", None)
        old: LatentSpace | None = getattr(self, "latent_", None)  # pickles before the view
        F = np.zeros((n, 4), dtype=np.float64)
        seg = np.empty(n, dtype=np.int32)
        cust_t = self.customers_.T.tocsr()
        coef = self.classifier_.coef_.ravel().astype(np.float32)
        b = float(self.classifier_.intercept_[0])

        def chunk(start: int) -> None:
            Xc = X[start : start + self.chunk_rows]
            rows = slice(start, start + Xc.shape[0])
            segsim = Xc @ self.centroids_.T
            seg[rows] = segsim.argmax(axis=1)
            F[rows, 0] = segsim.max(axis=1)
            S = (Xc @ cust_t).toarray()
            F[rows, 1] = _topk_mean(S, self.n_neighbors)
            F[rows, 2] = Xc @ coef + b
            if view is not None:
                F[rows, 3] = view.similarity(Xc)
            elif old is not None:
                F[rows, 3] = (old.project(Xc) @ self.latent_centroids_.T).max(axis=1)

        starts = range(0, n, self.chunk_rows)
        if self.n_jobs and self.n_jobs > 1 and len(starts) > 1:
            # scipy's sparse products and numpy release the GIL: threads share X without copies
            with ThreadPoolExecutor(max_workers=self.n_jobs) as pool:
                list(pool.map(chunk, starts))
        else:
            for start in starts:
                chunk(start)
        if ids is not None and len(self.oof_ids_):
            pos = self.oof_ids_.get_indexer(list(ids))
            hit = pos >= 0
            if hasattr(self, "oof_features_"):
                F[hit] = self.oof_features_[pos[hit]]
            else:  # pickles before the cross-fitted latent view
                F[hit, 2] = self.oof_logit_[pos[hit]]
        return F, seg

    def _calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Raw score -> 0..99 by background percentile; 99..100 beyond the best background site."""
        grid = self.calibration_
        pct = np.interp(raw, grid, np.linspace(0.0, 99.0, len(grid)))
        spread = max(float(grid[-1] - grid[len(grid) // 2]), 1e-6)
        above = raw > grid[-1]
        # beyond the best background site: close the last 1 % gap as the raw score grows
        pct[above] = 99.0 + 1.0 * (1.0 - np.exp(-(raw[above] - grid[-1]) / spread))
        return pct

    def score(self, X: sp.csr_matrix, ids: Sequence[str] | None = None) -> LookalikeScores:
        """Scores 0..100, raw scores, segment and segment similarity for every row of ``X``.

        Pass ``ids`` (the keys given as ``unlabelled_ids`` at fit; the scorer uses
        :func:`scoring.profiles.document_key`, domain plus document fingerprint) so background
        companies get their out-of-fold features; a row whose key is unknown is a new site.
        """
        F, seg = self._features(X, ids)
        w = self.stack_weights_
        raw = ((F[:, : len(w)] - self.feature_mean_) / self.feature_scale_) @ w
        return LookalikeScores(self._calibrate(raw), raw, seg, F[:, 0])

    def explain(
        self,
        X: sp.csr_matrix,
        segments: np.ndarray,
        *,
        n_terms: int = 8,
        n_nearest: int = 3,
    ) -> list[dict[str, Any]]:
        """Reasons for each row (call it for the top rows only): shared and
        differentiating terms with weights, nearest customers with similarity."""
        X = sp.csr_matrix(X, dtype=np.float32)
        S = (X @ self.customers_.T).toarray()
        out: list[dict[str, Any]] = []
        for i in range(X.shape[0]):
            row = X[i]
            idx, vals = row.indices, row.data
            s = int(segments[i])
            contrib = vals * self.centroids_[s, idx]
            order = np.argsort(-contrib)[:n_terms]
            shared = [
                {"term": str(self.terms_[idx[j]]), "weight": round(float(contrib[j]), 4)}
                for j in order
                if contrib[j] > 0
            ]
            z = self.diff_z_[idx]
            dorder = np.argsort(-(vals * np.maximum(z, 0)))[:n_terms]
            diff = [
                {"term": str(self.terms_[idx[j]]), "strength": round(float(z[j]), 2)}
                for j in dorder
                if z[j] > 0
            ]
            near = np.argsort(-S[i])[:n_nearest]
            nearest = [
                {"domain": str(self.customer_ids_[j]), "similarity": round(float(S[i, j]), 3)}
                for j in near
                if S[i, j] > 0
            ]
            out.append(
                {
                    "segment": self.segments_[s].label if s < len(self.segments_) else str(s),
                    "segment_id": s,
                    "shared_terms": shared,
                    "differentiating_terms": diff,
                    "nearest_customers": nearest,
                }
            )
        return out
