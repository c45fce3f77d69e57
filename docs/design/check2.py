# Coverage checks of the toy estimator (docs/design/rare-events.md); run: python3 check2.py
import math, random, statistics
from multiprocessing import Pool
from rare_events_toy import *

def weib(seed):
    wttf = Weibull(0.8, HOURS_PER_YEAR); lttr = Lognormal(24.0, 1.0)
    rng = random.Random(seed); ys = []
    for _ in range(100000):
        x, l = trial_forcing(rng, wttf, lttr, 1.0, 0.5); ys.append(x * l)
    return ys

def prec_ext(seed):
    ttf = Exp(10 * HOURS_PER_YEAR); ttr = Exp(6.0)
    rng = random.Random(seed); ys = []; hits = 0; done = 0; nxt = 1024; reached = False
    while True:
        while done < nxt:
            x, l = trial_forcing(rng, ttf, ttr, 5.0, 0.8); ys.append(x * l); hits += x > 0; done += 1
        n, m, s, g = summarize(ys)
        h = Z95 * s / math.sqrt(n) / m if m > 0 else math.inf
        if reached:
            return n, m, normal_ci(n, m, s, g), hall_ci(n, m, s, g)
        if h <= 0.05 and hits >= 100:
            reached = True
            nxt = int(math.ceil(done * 1.25 / 256) * 256)
            continue
        pred = done * (h / 0.05) ** 2 * 1.1 if math.isfinite(h) else math.inf
        nxt = int(math.ceil(min(max(done + 1024, min(pred, 2 * done)), 2_000_000) / 256) * 256)

if __name__ == "__main__":
    exact = exact_two_exp(1 / 87600, 1 / 6, 8760)
    with Pool(2) as pool:
        parts = pool.map(weib, [40001, 40002])
        ys = parts[0] + parts[1]; n, m, s, g = summarize(ys)
        print(f"Weibull/lognormal forcing p=0.5 theta0=1, {n} trials: {m:.4f} +/- {s / math.sqrt(n):.4f} (rel.err/trial {s / m:.1f}); plain 5.9682 +/- 0.1068: z = {(m - 5.9682) / math.hypot(s / math.sqrt(n), 0.1068):+.2f}")
        out = pool.map(prec_ext, range(7000, 7200))
        cn = sum(ci[0] <= exact <= ci[1] for _, _, ci, _ in out)
        chh = sum(ci[0] <= exact <= ci[1] for _, _, _, ci in out)
        print(f"--precision 0.05 then +25% trials, 200 seeds: normal covers {cn}/200, Hall covers {chh}/200, median trials {statistics.median(o[0] for o in out):.0f}, mean rel dev {statistics.mean(o[1] / exact - 1 for o in out):+.4f}")
