#!/usr/bin/env python3
"""Toy check of the proposed estimator (docs/design/rare-events.md).

Two regions, either enough; each fails after Exp(mean 10 y) of up time and stays down
Exp(mean 6 h); horizon 1 year (8760 h, the engine's year). Per-trial quantity X = minutes
with both down. Compared: plain Monte Carlo and importance sampling by hazard scaling of the
failure clocks (a time change of each clock's unit-exponential budget):

  * theta_deg: multiplier on a region's failure hazard while its partner is down
    (balanced failure biasing, p = 0.5: theta = (mean ttf / mean outage) * p / (1 - p) / partners)
  * theta_0:   multiplier while nothing is down (first-stage boost, max(1, 1 / (Lambda T)))

Likelihood ratio per trial (dP/dQ): product over clocks of
  exp(sum over segments (theta - 1) * dH) * (1 / theta at each failure).

Also a non-exponential variant (Weibull shape 0.8 ttf, lognormal sigma 1 repair) checked against
a long plain run on a less rare version of the model.

Run: python3 rare_events_toy.py  (about a minute on 2 cores)
"""
import math
import random
import statistics
import sys
from multiprocessing import Pool

HOURS_PER_YEAR = 8760.0
T = HOURS_PER_YEAR
Z95 = 1.959963984540054


# ---- distributions: cumulative hazard H and its inverse, and a sampler ---------------------
class Exp:
    def __init__(self, mean):
        self.mean = mean

    def H(self, x):
        return x / self.mean

    def Hinv(self, y):
        return y * self.mean

    def sample(self, rng):
        return rng.expovariate(1.0 / self.mean)


class Weibull:
    def __init__(self, shape, mean):
        self.k = shape
        self.scale = mean / math.gamma(1 + 1 / shape)
        self.mean = mean

    def H(self, x):
        return (x / self.scale) ** self.k

    def Hinv(self, y):
        return self.scale * y ** (1 / self.k)

    def sample(self, rng):
        return self.Hinv(rng.expovariate(1.0))


class Lognormal:
    def __init__(self, mean, sigma):
        self.sigma = sigma
        self.median = mean / math.exp(sigma * sigma / 2)
        self.mean = mean

    def sample(self, rng):
        return self.median * math.exp(self.sigma * rng.gauss(0, 1))


# ---- one trial ------------------------------------------------------------------------------
def trial(rng, ttf, ttr, theta0, theta_deg, tau=math.inf):
    """Returns (X minutes both down, likelihood ratio L). theta0 = theta_deg = 1: plain MC.
    The partner's hazard is multiplied by theta_deg only during the first `tau` hours of an
    outage (the window; math.inf: for the whole outage)."""
    biased = theta0 != 1.0 or theta_deg != 1.0
    t = 0.0
    down = [False, False]
    repair_at = [math.inf, math.inf]
    # failure clocks: budget E, consumed C, age at last regime change a0, regime theta
    age_start = [0.0, 0.0]  # time the current up period began
    budget = [rng.expovariate(1.0), rng.expovariate(1.0)]
    consumed = [0.0, 0.0]
    seg_age = [0.0, 0.0]
    theta = [theta0, theta0]
    log_l = 0.0
    both_down_minutes = 0.0
    window_end = [math.inf, math.inf]  # per region: end of the boost its outage gives the partner

    def fail_time(i):
        # time at which clock i's budget is used up under its current theta
        a_end = ttf.Hinv(ttf.H(seg_age[i]) + (budget[i] - consumed[i]) / theta[i])
        return age_start[i] + a_end

    def close_segment(i, now):
        nonlocal log_l
        a = now - age_start[i]
        dh = ttf.H(a) - ttf.H(seg_age[i])
        consumed[i] += theta[i] * dh
        log_l += (theta[i] - 1.0) * dh
        seg_age[i] = a

    while True:
        fails = [fail_time(i) if not down[i] else math.inf for i in (0, 1)]
        wends = [window_end[i] if down[i] and t < window_end[i] < repair_at[i] else math.inf for i in (0, 1)]
        nxt = min(fails[0], fails[1], repair_at[0], repair_at[1], wends[0], wends[1])
        end = min(nxt, T)
        if down[0] and down[1]:
            both_down_minutes += (end - t) * 60.0
        if nxt >= T:
            for i in (0, 1):
                if not down[i] and biased:
                    close_segment(i, T)
            break
        t = nxt
        if nxt in fails:
            i = fails.index(nxt)
            if biased:
                close_segment(i, t)
                log_l -= math.log(theta[i])
            down[i] = True
            repair_at[i] = t + ttr.sample(rng)
            window_end[i] = t + tau
        elif nxt in wends:
            i = wends.index(nxt)
            window_end[i] = t  # expired: t < window_end is false from now on
        else:
            i = repair_at.index(nxt)
            down[i] = False
            repair_at[i] = math.inf
            age_start[i] = t
            budget[i] = rng.expovariate(1.0)
            consumed[i] = 0.0
            seg_age[i] = 0.0
        # regime change for the clocks still running
        for j in (0, 1):
            if not down[j]:
                new = theta_deg if down[1 - j] and t < window_end[1 - j] else theta0
                if new != theta[j]:
                    if biased:
                        close_segment(j, t)
                    theta[j] = new
    return both_down_minutes, math.exp(log_l)


def trial_forcing(rng, ttf, ttr, theta0, p, _unused=None):
    """The recommended scheme. Each failure clock runs in one of three modes:
    'scaled' (hazard x theta0: fires when theta0 * (H(age) - H(seg_age)) uses up `brem` ~ Exp(1)),
    'in'  (forced to fire at `fire_age`, inside a partner's known outage window),
    'out' (forced not to fire before `wend`, then back to 'scaled' with `brem` ~ Exp(1)).
    When a region fails with known outage D, its partner's clock (if 'scaled') is forced into
    [t, t + D] with probability p: LR factor pi/p inside, (1 - pi)/(1 - p) outside, where
    pi = 1 - exp(-(H(a + D) - H(a))) is the P-probability of a failure in the window."""
    t = 0.0
    down = [False, False]
    repair_at = [math.inf, math.inf]
    age_start = [0.0, 0.0]
    mode = ["scaled", "scaled"]
    brem = [rng.expovariate(1.0), rng.expovariate(1.0)]
    seg_age = [0.0, 0.0]
    fire_age = [math.inf, math.inf]
    wend = [math.inf, math.inf]
    log_l = 0.0
    both = 0.0

    def close(i, now):
        nonlocal log_l
        a = now - age_start[i]
        dh = ttf.H(a) - ttf.H(seg_age[i])
        brem[i] -= theta0 * dh
        log_l += (theta0 - 1.0) * dh
        seg_age[i] = a

    def fail_time(i):
        if down[i]:
            return math.inf
        if mode[i] == "scaled":
            return age_start[i] + ttf.Hinv(ttf.H(seg_age[i]) + brem[i] / theta0)
        if mode[i] == "in":
            return age_start[i] + fire_age[i]
        return math.inf

    while True:
        fails = [fail_time(0), fail_time(1)]
        ends = [wend[i] if mode[i] == "out" and not down[i] else math.inf for i in (0, 1)]
        nxt = min(fails + repair_at + ends)
        end = min(nxt, T)
        if down[0] and down[1]:
            both += (end - t) * 60.0
        if nxt >= T:
            for i in (0, 1):
                if not down[i] and mode[i] == "scaled":
                    close(i, T)
            break
        t = nxt
        if nxt in fails:
            i = fails.index(nxt)
            if mode[i] == "scaled":
                close(i, t)
                log_l -= math.log(theta0)
            down[i] = True
            d = ttr.sample(rng)
            repair_at[i] = t + d
            j = 1 - i
            if not down[j] and mode[j] == "scaled" and p > 0:
                close(j, t)
                a = t - age_start[j]
                w_end = min(t + d, T)
                dh_w = ttf.H(a + (w_end - t)) - ttf.H(a)
                pi = -math.expm1(-dh_w)
                u = -math.expm1(-brem[j])  # the clock's own remaining budget as the uniform
                if rng.random() < p:
                    e = -math.log1p(-u * pi)  # truncated Exp(1) on [0, dh_w]
                    fire_age[j] = ttf.Hinv(ttf.H(a) + e)
                    mode[j] = "in"
                    log_l += math.log(pi / p)
                else:
                    mode[j] = "out"
                    wend[j] = w_end
                    log_l += math.log((1 - pi) / (1 - p))
                    # brem[j] stays: the P-budget left beyond the window, Exp(1)
        elif nxt in repair_at:
            i = repair_at.index(nxt)
            down[i] = False
            repair_at[i] = math.inf
            age_start[i] = t
            mode[i] = "scaled"
            brem[i] = rng.expovariate(1.0)
            seg_age[i] = 0.0
        else:
            i = ends.index(nxt)
            mode[i] = "scaled"
            seg_age[i] = t - age_start[i]
    return both, math.exp(log_l)


# ---- intervals --------------------------------------------------------------------------------
def summarize(ys):
    n = len(ys)
    m = sum(ys) / n
    dev = [y - m for y in ys]
    var = sum(d * d for d in dev) / (n - 1)
    s = math.sqrt(var)
    m3 = sum(d ** 3 for d in dev) / n
    gamma = m3 / s ** 3 if s > 0 else 0.0
    return n, m, s, gamma


def normal_ci(n, m, s, gamma):
    h = Z95 * s / math.sqrt(n)
    return m - h, m + h


def hall_ci(n, m, s, gamma):
    """Hall (1992) skewness-removing transformation of the studentized mean (as in Zhou &
    Dinh 2005): g(W) = W + gamma W^2/3 + gamma^2 W^3/27 + gamma/(6n), W = (mean - mu)/s,
    sqrt(n) g(W) ~ N(0,1) to second order; g is monotone so the interval inverts it."""
    if gamma == 0 or s == 0:
        return normal_ci(n, m, s, gamma)

    def ginv(t):
        return 3.0 / gamma * (math.copysign(abs(1 + gamma * (t - gamma / (6 * n))) ** (1 / 3), 1 + gamma * (t - gamma / (6 * n))) - 1)

    lo = m - s * ginv(Z95 / math.sqrt(n))
    hi = m - s * ginv(-Z95 / math.sqrt(n))
    return lo, hi


# ---- runs -------------------------------------------------------------------------------------
def run_fixed(args):
    seed, n, ttf, ttr, theta0, theta_deg, tau = args
    rng = random.Random(seed)
    ys, ws, hits = [], [], 0
    for _ in range(n):
        x, l = (trial_forcing(rng, ttf, ttr, theta0, theta_deg) if tau == "force"
                else trial(rng, ttf, ttr, theta0, theta_deg, tau))
        ys.append(l * x)
        ws.append(l)
        hits += x > 0
    return ys, ws, hits


def run_to_precision(args):
    """Mimics src/precision.rs: first step 1024, then n (h/R)^2 1.1 capped at double, whole
    chunks of 256; stops when the 95% relative half-width <= R (and, under IS, >= 100 hits)."""
    seed, ttf, ttr, theta0, theta_deg, tau, target, use_hall, max_trials = args
    rng = random.Random(seed)
    ys, hits, done, nxt = [], 0, 0, 1024
    while True:
        while done < nxt:
            x, l = (trial_forcing(rng, ttf, ttr, theta0, theta_deg) if tau == "force"
                    else trial(rng, ttf, ttr, theta0, theta_deg, tau))
            ys.append(l * x)
            hits += x > 0
            done += 1
        n, m, s, g = summarize(ys)
        if m > 0:
            lo, hi = (hall_ci if use_hall else normal_ci)(n, m, s, g)
            h = max(m - lo, hi - m) / m
        else:
            lo = hi = m
            h = math.inf
        if (h <= target and hits >= 100) or done >= max_trials:
            return done, m, lo, hi, h
        pred = done * (h / target) ** 2 * 1.1 if math.isfinite(h) else math.inf
        nxt = min(max(done + 1024, min(pred, 2 * done)), max_trials)
        nxt = int(math.ceil(nxt / 256) * 256)


def exact_two_exp(lam, mu, horizon):
    q = lam / (lam + mu)
    c = lam + mu
    integral = horizon - 2 * (1 - math.exp(-c * horizon)) / c + (1 - math.exp(-2 * c * horizon)) / (2 * c)
    return q * q * integral * 60.0  # minutes over the horizon


def main():
    ttf = Exp(10 * HOURS_PER_YEAR)
    ttr = Exp(6.0)
    lam = 1 / ttf.mean
    exact = exact_two_exp(lam, 1 / ttr.mean, T)
    print(f"exact downtime: {exact:.6f} min/yr")
    theta0 = max(1.0, 1.0 / (2 * T / ttf.mean))
    median = math.log(2) * ttr.mean

    def windowed(c, tau):
        return c / (lam * tau)

    # name, theta0, theta_deg, tau, n
    configs = [
        ("plain MC", 1.0, 1.0, math.inf, 2_000_000),
        ("hazard x whole outage, p=0.5", theta0, ttf.mean / ttr.mean, math.inf, 200_000),
        ("hazard x whole outage, p=1/3", theta0, 0.5 * ttf.mean / ttr.mean, math.inf, 200_000),
        ("hazard x window=median, c=1", theta0, windowed(1, median), median, 200_000),
        ("forcing p=0.5, theta0=1", 1.0, 0.5, "force", 200_000),
        ("forcing p=0.5, theta0=5", theta0, 0.5, "force", 200_000),
        ("forcing p=0.8, theta0=5", theta0, 0.8, "force", 200_000),
        ("forcing p=0.95, theta0=5", theta0, 0.95, "force", 200_000),
    ]
    chosen = ("forcing p=0.8, theta0=5", theta0, 0.8, "force")
    print(f"theta_0 = {theta0:.1f}; window = {median:.2f} h; theta_deg(c=1) = {windowed(1, median):.0f}")
    with Pool(2) as pool:
        print("\nper-trial variance (big runs, split over 2 workers)")
        print(f"{'config':32s} {'n':>9s} {'mean':>10s} {'rel.err/trial':>14s} {'(mean-exact)/se':>16s} "
              f"{'trials for +/-5%':>17s} {'Kish ESS/n':>10s} {'mean L':>8s} {'hits/n':>8s} {'skew':>7s} {'max w*x share':>13s}")
        for name, t0, td, tau, n in configs:
            parts = pool.map(run_fixed, [(1000 + k, n // 2, ttf, ttr, t0, td, tau) for k in range(2)])
            ys = parts[0][0] + parts[1][0]
            ws = parts[0][1] + parts[1][1]
            hits = parts[0][2] + parts[1][2]
            nn, m, s, g = summarize(ys)
            rel = s / exact
            need = (Z95 * rel / 0.05) ** 2
            kish = sum(ws) ** 2 / sum(w * w for w in ws) / nn
            se = s / math.sqrt(nn)
            print(f"{name:32s} {nn:9d} {m:10.6f} {rel:14.2f} {(m - exact) / se:16.2f} {need:17.3g} "
                  f"{kish:10.3f} {sum(ws) / nn:8.4f} {hits / nn:8.4f} {g:7.1f} {max(ys) / sum(ys):13.4f}")

        name, t0, td, tau = chosen
        for n in (2048, 8192, 32768):
            runs = pool.map(run_fixed, [(5000 + k, n, ttf, ttr, t0, td, tau) for k in range(100)])
            cov_n = cov_h = 0
            rels = []
            for ys, _, _ in runs:
                st = summarize(ys)
                lo, hi = normal_ci(*st)
                cov_n += lo <= exact <= hi
                lo, hi = hall_ci(*st)
                cov_h += lo <= exact <= hi
                rels.append(st[1] / exact - 1)
            k = len(runs)
            print(f"\nfixed n={n} {name}: {k} seeds, normal covers {cov_n}/{k}, Hall covers {cov_h}/{k}, "
                  f"sd of (estimate/exact - 1) {statistics.pstdev(rels):.3f}, mean {statistics.mean(rels):+.4f}")

        for use_hall in (False, True):
            out = pool.map(run_to_precision, [(9000 + k, ttf, ttr, t0, td, tau, 0.05, use_hall, 2_000_000)
                                               for k in range(100)])
            cov = sum(lo <= exact <= hi for _, _, lo, hi, _ in out)
            within4 = sum(abs(m - exact) <= 4 * (hi - lo) / (2 * Z95) for _, m, lo, hi, _ in out)
            trials = [d for d, *_ in out]
            bias = statistics.mean(m / exact - 1 for _, m, *_ in out)
            print(f"\n--precision 0.05, {name} ({'Hall' if use_hall else 'normal'} interval), 100 seeds: "
                  f"covers exact {cov}/100, within 4 s.e. {within4}/100, mean (estimate/exact - 1) {bias:+.4f}, "
                  f"trials median {statistics.median(trials):.0f} (min {min(trials)}, max {max(trials)})")

        # non-exponential: Weibull 0.8 ttf, lognormal sigma 1 repair; less rare so plain MC is feasible
        wttf = Weibull(0.8, 1.0 * HOURS_PER_YEAR)
        lttr = Lognormal(24.0, 1.0)
        wl = 1 / wttf.mean
        wmed = lttr.median
        t0w = max(1.0, 1.0 / (2 * T / wttf.mean))
        plain = pool.map(run_fixed, [(20000 + k, 400_000, wttf, lttr, 1.0, 1.0, math.inf) for k in range(2)])
        sp = summarize(plain[0][0] + plain[1][0])
        se_p = sp[2] / math.sqrt(sp[0])
        print(f"\nWeibull(0.8, mean 1y) outages, lognormal(mean 24h, sigma 1) repairs:")
        print(f"  plain {sp[0]} trials: {sp[1]:.4f} +/- {se_p:.4f} min/yr (rel.err/trial {sp[2] / sp[1]:.1f})")
        for label, td, tau in [("hazard x whole outage p=0.5", wttf.mean / lttr.mean, math.inf),
                               ("forcing p=0.8", 0.8, "force")]:
            isr = pool.map(run_fixed, [(30000 + k, 20_000, wttf, lttr, t0w, td, tau) for k in range(2)])
            si = summarize(isr[0][0] + isr[1][0])
            se_i = si[2] / math.sqrt(si[0])
            z = (si[1] - sp[1]) / math.hypot(se_p, se_i)
            print(f"  IS {label:20s} {si[0]} trials: {si[1]:.4f} +/- {se_i:.4f} min/yr "
                  f"(rel.err/trial {si[2] / si[1]:.2f}), difference {z:+.2f} combined s.e.")


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    main()
