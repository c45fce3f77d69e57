//! Maximum-likelihood fits of a duration distribution to a right-censored, possibly
//! left-truncated sample: the exponential, Weibull, lognormal and gamma laws, with 95%
//! intervals, ln L, AIC and a Kolmogorov–Smirnov distance to the Kaplan–Meier estimate.
//!
//! The log-likelihood is the sum of ln f(x) over the observed values plus the sum of
//! ln S(x) over the censored ones (Lawless, *Statistical Models and Methods for Lifetime
//! Data*, 2nd ed., 2003, §2.2), plus ln S(x) − ln μ over the first up times of a window
//! that end in a failure (`Kind::FirstFailure`): the unit was already up for an unknown
//! time when the window opened, and the time from an arbitrary instant to the next failure
//! of a stationary renewal process (the forward recurrence time) has density S(x)/μ, μ the
//! law's mean (Cox, *Renewal Theory*, 1962, on recurrence times; left truncation or
//! delayed entry, Lawless 2003, ch. 2). For the exponential that is ln f(x), so such a
//! value is one more complete failure. The exponential has a closed form and an exact interval (§3.1: 2T / chi-square quantiles,
//! the time-censored form); the two-parameter laws are maximised in log-parameter space
//! (the Weibull shape by a profile likelihood, lognormal and gamma by Nelder–Mead) and get
//! Wald intervals on the log scale from the observed information, a numerical Hessian at
//! the optimum (§5.1). Formulas: docs/fit.md.

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::erf::erfc;
use statrs::function::gamma::{checked_gamma_ur, ln_gamma};

use super::optimize::{golden_section, hessian, inverse_diagonal, nelder_mead};

/// What one duration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A complete value: it began at a renewal (a repair) and ended in a failure.
    Failure,
    /// Right-censored: the true value is at least this long.
    Censored,
    /// The up time from the start of the observation window to the first failure: it ended
    /// in a failure, but began an unknown time before the window (left-truncated). It enters
    /// the likelihood with the forward-recurrence density S(x)/μ.
    FirstFailure,
}

/// One duration in seconds, and what it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub value: f64,
    pub kind: Kind,
}

impl Observation {
    pub fn failure(value: f64) -> Self {
        Observation {
            value,
            kind: Kind::Failure,
        }
    }

    pub fn censored(value: f64) -> Self {
        Observation {
            value,
            kind: Kind::Censored,
        }
    }

    pub fn first_failure(value: f64) -> Self {
        Observation {
            value,
            kind: Kind::FirstFailure,
        }
    }

    /// Ends in a failure: a complete value or a first one.
    pub fn ends_in_failure(&self) -> bool {
        self.kind != Kind::Censored
    }
}

/// The standard normal quantile of 0.975: 95% two-sided intervals.
pub const Z95: f64 = 1.959_963_984_540_054;
/// How much a two-parameter law must lower the AIC to be chosen over the exponential.
pub const PARSIMONY_AIC: f64 = 2.0;

/// Fewer observed values (ending in a failure, first ones included) than this and only the
/// exponential is fitted: two parameters from two points fit anything.
pub const MIN_FAILURES_TWO_PARAMETERS: usize = 3;
/// Shorter values are taken as this long (seconds): exports have one-second resolution, and
/// a zero would make the Weibull and lognormal log-densities infinite.
pub const MIN_VALUE: f64 = 1.0;
/// The scenario format's bounds on a shape (docs/scenario-format.md); fits stay inside.
pub const SHAPE_RANGE: (f64, f64) = (0.01, 100.0);

/// A family of distributions the fit tries, in order of preference on equal AIC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Exponential,
    Weibull,
    Lognormal,
    Gamma,
}

impl Family {
    pub const ALL: [Family; 4] = [
        Family::Exponential,
        Family::Weibull,
        Family::Lognormal,
        Family::Gamma,
    ];

    /// The name used by the scenario format.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Weibull => "weibull",
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
        }
    }

    /// The scenario format's parameter names, in its order, and whether each is a duration.
    pub fn parameters(self) -> &'static [(&'static str, bool)] {
        match self {
            Family::Exponential => &[("mean", true)],
            Family::Weibull => &[("shape", false), ("scale", true)],
            Family::Lognormal => &[("median", true), ("sigma", false)],
            Family::Gamma => &[("shape", false), ("mean", true)],
        }
    }

    /// (ln f(y), ln S(y)) for the natural parameters `p` in the order of `parameters`.
    fn log_density_survival(self, p: &[f64], y: f64) -> (f64, f64) {
        match self {
            Family::Exponential => {
                let mean = p[0];
                (-mean.ln() - y / mean, -y / mean)
            }
            Family::Weibull => {
                let (k, scale) = (p[0], p[1]);
                let log_ratio = (y / scale).ln();
                let z = (k * log_ratio).exp();
                (k.ln() - scale.ln() + (k - 1.0) * log_ratio - z, -z)
            }
            Family::Lognormal => {
                let (median, sigma) = (p[0], p[1]);
                let u = (y.ln() - median.ln()) / sigma;
                let log_density =
                    -y.ln() - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * u * u;
                (log_density, ln_normal_survival(u))
            }
            Family::Gamma => {
                let (k, mean) = (p[0], p[1]);
                let theta = mean / k;
                let t = y / theta;
                let log_density = -ln_gamma(k) - k * theta.ln() + (k - 1.0) * y.ln() - t;
                let log_survival = match checked_gamma_ur(k, t) {
                    Ok(q) if q > 0.0 && q.is_finite() => q.ln(),
                    // Far in the tail Q underflows: Gamma(k, t) ~ t^(k-1) e^-t.
                    _ => (k - 1.0) * t.ln() - t - ln_gamma(k),
                };
                (log_density, log_survival)
            }
        }
    }

    /// ln μ, the law's mean, for the forward-recurrence density S(x)/μ of a first value.
    fn log_mean(self, p: &[f64]) -> f64 {
        match self {
            Family::Exponential => p[0].ln(),
            // scale · Γ(1 + 1/k)
            Family::Weibull => p[1].ln() + ln_gamma(1.0 + 1.0 / p[0]),
            // exp(ln M + s²/2)
            Family::Lognormal => p[0].ln() + 0.5 * p[1] * p[1],
            Family::Gamma => p[1].ln(),
        }
    }

    /// The cumulative distribution function at `y`.
    fn cdf(self, p: &[f64], y: f64) -> f64 {
        -self.log_density_survival(p, y).1.exp_m1()
    }
}

/// ln P(Z > u) for a standard normal Z, accurate far into the upper tail.
fn ln_normal_survival(u: f64) -> f64 {
    if u < 30.0 {
        let survival = 0.5 * erfc(u / std::f64::consts::SQRT_2);
        if survival > 0.0 {
            return survival.ln();
        }
    }
    // Mills' ratio: P(Z > u) ~ phi(u)/u (1 - 1/u^2 + 3/u^4).
    -0.5 * u * u - (u * (2.0 * std::f64::consts::PI).sqrt()).ln()
        + (1.0 - 1.0 / (u * u) + 3.0 / u.powi(4)).ln()
}

/// A fitted parameter in natural units (seconds for durations) with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub name: &'static str,
    /// True for a duration (estimate and bounds in seconds), false for a plain number (a
    /// shape, a sigma).
    pub duration: bool,
    pub estimate: f64,
    /// None when the information matrix is singular (an estimate at a bound).
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// One family fitted to one sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    pub family: Family,
    pub parameters: Vec<Parameter>,
    /// With densities per second, so values from different samples are not comparable.
    pub log_likelihood: f64,
    pub aic: f64,
    pub ks: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Everything fitted to one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleFit {
    /// Values that end in a failure: complete ones and first ones (`Kind::FirstFailure`).
    pub failures: usize,
    /// How many of `failures` are first ones (left-truncated: at most one per window).
    pub first: usize,
    pub censored: usize,
    /// The sum of every value, censored or not (the exposure, for times between failures).
    pub exposure: f64,
    /// In the order of `Family::ALL`; empty without a value that ends in a failure.
    pub fits: Vec<Fit>,
    /// Index into `fits` of the lowest AIC.
    pub best: Option<usize>,
    /// Without a value that ends in a failure (every value censored): the one-sided 95%
    /// lower bound on the mean, exposure / -ln(0.05).
    pub mean_lower_bound: Option<f64>,
    pub notes: Vec<String>,
}

/// Fits every family that the sample supports.
pub fn fit_sample(observations: &[Observation]) -> SampleFit {
    let mut notes = Vec::new();
    let floored = observations.iter().filter(|o| o.value < MIN_VALUE).count();
    if floored > 0 {
        notes.push(format!(
            "{floored} value(s) shorter than {MIN_VALUE} s taken as {MIN_VALUE} s"
        ));
    }
    let mut data: Vec<Observation> = observations
        .iter()
        .map(|o| Observation {
            value: o.value.max(MIN_VALUE),
            kind: o.kind,
        })
        .collect();
    // Ascending, observed before censored at a tie (the Kaplan–Meier convention).
    data.sort_by(|a, b| a.value.total_cmp(&b.value).then(a.kind.cmp(&b.kind)));
    let failures = data.iter().filter(|o| o.ends_in_failure()).count();
    let first = data.iter().filter(|o| o.kind == Kind::FirstFailure).count();
    let censored = data.len() - failures;
    let exposure: f64 = data.iter().map(|o| o.value).sum();
    let mut result = SampleFit {
        failures,
        first,
        censored,
        exposure,
        fits: Vec::new(),
        best: None,
        mean_lower_bound: None,
        notes,
    };
    if failures == 0 {
        if exposure > 0.0 {
            result.mean_lower_bound = Some(exposure / -(0.05f64).ln());
        }
        return result;
    }
    // Work in units of the mean value so that every parameter is of order 1.
    let scale = exposure / data.len() as f64;
    let scaled: Vec<Observation> = data
        .iter()
        .map(|o| Observation {
            value: o.value / scale,
            kind: o.kind,
        })
        .collect();
    result.fits.push(fit_exponential(&scaled, scale));
    if failures >= MIN_FAILURES_TWO_PARAMETERS {
        for family in [Family::Weibull, Family::Lognormal, Family::Gamma] {
            result.fits.push(fit_two_parameters(family, &scaled, scale));
        }
    } else {
        result.notes.push(format!(
            "only {failures} observed value(s): exponential only (a two-parameter fit needs at \
             least {MIN_FAILURES_TWO_PARAMETERS})"
        ));
    }
    let mut best = 0;
    for (i, fit) in result.fits.iter().enumerate() {
        // Strictly lower by more than rounding noise: a tie keeps the simpler, earlier law.
        if fit.aic < result.fits[best].aic - 1e-9 * (1.0 + fit.aic.abs()) {
            best = i;
        }
    }
    // Parsimony: the exponential stays the choice unless a two-parameter law improves the
    // AIC by more than PARSIMONY_AIC (Burnham & Anderson 2002, §2.6: models within 2 of
    // the best have substantial support, so the extra parameter is not shown to be needed).
    if best != 0 && result.fits[0].aic - result.fits[best].aic <= PARSIMONY_AIC {
        best = 0;
    }
    result.best = Some(best);
    result
}

/// ln L: ln f(x) for a complete value, ln S(x) for a censored one, and ln S(x) − ln μ for a
/// first one (the forward-recurrence density; for the exponential it equals ln f(x)).
fn log_likelihood(family: Family, p: &[f64], data: &[Observation]) -> f64 {
    let log_mean = if data.iter().any(|o| o.kind == Kind::FirstFailure) {
        family.log_mean(p)
    } else {
        0.0
    };
    data.iter()
        .map(|o| {
            let (log_density, log_survival) = family.log_density_survival(p, o.value);
            match o.kind {
                Kind::Failure => log_density,
                Kind::Censored => log_survival,
                Kind::FirstFailure => log_survival - log_mean,
            }
        })
        .sum()
}

/// The exponential MLE mean = T / r, with the exact time-censored chi-square interval. A
/// first value counts as a failure: by memorylessness the time from the window's start to
/// the first failure is exponential with the same mean, so the window is a Poisson process
/// watched for T with r events, and both the estimate and the interval are exact.
fn fit_exponential(data: &[Observation], scale: f64) -> Fit {
    let r = data.iter().filter(|o| o.ends_in_failure()).count() as f64;
    let total: f64 = data.iter().map(|o| o.value).sum();
    let mean = total / r;
    let chi = |dof: f64, p: f64| {
        ChiSquared::new(dof)
            .expect("positive degrees of freedom")
            .inverse_cdf(p)
    };
    let low = 2.0 * total / chi(2.0 * r + 2.0, 0.975);
    let high = 2.0 * total / chi(2.0 * r, 0.025);
    let estimate = [mean];
    finish(
        Family::Exponential,
        &estimate,
        data,
        scale,
        Some(vec![(low, high)]),
        None,
    )
}

/// Weibull, lognormal or gamma, maximised over log-parameters `theta` (natural = exp(theta)).
fn fit_two_parameters(family: Family, data: &[Observation], scale: f64) -> Fit {
    let (shape_low, shape_high) = (SHAPE_RANGE.0.ln(), SHAPE_RANGE.1.ln());
    let inside = |theta: [f64; 2]| match family {
        Family::Weibull | Family::Gamma => {
            (shape_low..=shape_high).contains(&theta[0]) && theta[1].abs() <= 40.0
        }
        // median, sigma: sigma from 1e-4 (all values equal) to 50 (absurdly wide).
        _ => theta[0].abs() <= 40.0 && (-9.2..=3.9).contains(&theta[1]),
    };
    let objective = |theta: [f64; 2]| {
        if !inside(theta) {
            return f64::NAN;
        }
        -log_likelihood(family, &[theta[0].exp(), theta[1].exp()], data)
    };
    // Starting points from the values that end in a failure, first ones included.
    let observed: Vec<f64> = data
        .iter()
        .filter(|o| o.ends_in_failure())
        .map(|o| o.value)
        .collect();
    let theta = match family {
        Family::Weibull => {
            // Profile likelihood. For a shape k, d ln L / d λ = 0 gives the scale's MLE in
            // closed form: with r complete values and q first ones (each adds −ln λ through
            // ln μ = ln λ + ln Γ(1 + 1/k)), k Σ_all y^k / λ^k = r k + q, so
            // λ(k) = (Σ_all y^k / (r + q/k))^(1/k); with q = 0, the usual (Σ y^k / r)^(1/k).
            let r = data.iter().filter(|o| o.kind == Kind::Failure).count() as f64;
            let q = data.iter().filter(|o| o.kind == Kind::FirstFailure).count() as f64;
            let profile_scale = |k: f64| {
                (data.iter().map(|o| o.value.powf(k)).sum::<f64>() / (r + q / k)).powf(1.0 / k)
            };
            let profile = |log_k: f64| {
                let k = log_k.exp();
                let value = objective([log_k, profile_scale(k).ln()]);
                if value.is_finite() {
                    value
                } else {
                    f64::INFINITY
                }
            };
            // A coarse grid first, so the golden section starts in the right valley.
            let steps = 60;
            let grid: Vec<f64> = (0..=steps)
                .map(|i| shape_low + (shape_high - shape_low) * i as f64 / steps as f64)
                .collect();
            let mut best = 0;
            for i in 1..grid.len() {
                if profile(grid[i]) < profile(grid[best]) {
                    best = i;
                }
            }
            let low = grid[best.saturating_sub(1)];
            let high = grid[(best + 1).min(steps)];
            let log_k = golden_section(profile, low, high, 1e-10);
            [log_k, profile_scale(log_k.exp()).ln()]
        }
        Family::Lognormal => {
            let logs: Vec<f64> = observed.iter().map(|y| y.ln()).collect();
            let (mu, sd) = mean_sd(&logs);
            nelder_mead(objective, [mu, sd.max(0.05).ln()], 0.3)
        }
        Family::Gamma => {
            let (mean, sd) = mean_sd(&observed);
            let shape = (mean * mean / (sd * sd).max(1e-12)).clamp(0.05, 50.0);
            let r = observed.len() as f64;
            let total: f64 = data.iter().map(|o| o.value).sum();
            nelder_mead(objective, [shape.ln(), (total / r).ln()], 0.3)
        }
        Family::Exponential => unreachable!("the exponential has a closed form"),
    };
    let estimate = [theta[0].exp(), theta[1].exp()];
    let variances = inverse_diagonal(hessian(objective, theta, 1e-3));
    let intervals = variances.map(|v| {
        (0..2)
            .map(|i| {
                let half = Z95 * v[i].sqrt();
                ((theta[i] - half).exp(), (theta[i] + half).exp())
            })
            .collect()
    });
    let note = match family {
        Family::Weibull | Family::Gamma
            if theta[0] <= shape_low + 1e-6 || theta[0] >= shape_high - 1e-6 =>
        {
            Some("the shape is at the scenario format's limit [0.01, 100]: the values hardly vary or the law does not fit".to_string())
        }
        Family::Lognormal if theta[1] <= -9.2 + 1e-6 => {
            Some("sigma is at its floor: the values hardly vary".to_string())
        }
        _ if variances.is_none() => Some(
            "the information matrix is singular at the optimum: no interval".to_string(),
        ),
        _ => None,
    };
    finish(family, &estimate, data, scale, intervals, note)
}

/// Scales the parameters back to seconds and adds ln L, AIC and the KS distance.
fn finish(
    family: Family,
    estimate: &[f64],
    data: &[Observation],
    scale: f64,
    intervals: Option<Vec<(f64, f64)>>,
    note: Option<String>,
) -> Fit {
    // Complete and first values both carry a density (f, or S/μ).
    let failures = data.iter().filter(|o| o.ends_in_failure()).count() as f64;
    // A density per unit of `scale` is a density per second divided by `scale`.
    let log_likelihood = log_likelihood(family, estimate, data) - failures * scale.ln();
    let k = estimate.len() as f64;
    let parameters = family
        .parameters()
        .iter()
        .enumerate()
        .map(|(i, &(name, duration))| {
            let unit = if duration { scale } else { 1.0 };
            let interval = intervals.as_ref().map(|v| v[i]);
            Parameter {
                name,
                duration,
                estimate: estimate[i] * unit,
                low: interval.map(|(low, _)| low * unit),
                high: interval.map(|(_, high)| high * unit),
            }
        })
        .collect();
    Fit {
        family,
        parameters,
        log_likelihood,
        aic: 2.0 * k - 2.0 * log_likelihood,
        ks: ks_distance(family, estimate, data),
        note,
    }
}

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, variance.sqrt())
}

/// The largest distance between the fitted CDF and the Kaplan–Meier estimate (the empirical
/// CDF when nothing is censored), on either side of each jump.
fn ks_distance(family: Family, p: &[f64], data: &[Observation]) -> f64 {
    let mut before = 0.0;
    let mut distance: f64 = 0.0;
    for (value, survival) in kaplan_meier(data) {
        let model = family.cdf(p, value);
        let after = 1.0 - survival;
        distance = distance
            .max((model - before).abs())
            .max((model - after).abs());
        before = after;
    }
    distance
}

/// The Kaplan–Meier survival estimate at each distinct observed value: (value, S(value)).
///
/// A first value (`Kind::FirstFailure`) counts as censored here: it is a forward-recurrence
/// time, not a draw from the law itself, and all it says about the whole up time is that it
/// lasted at least that long. (The likelihood uses its exact density; Kaplan–Meier has no
/// place for it, and the KS distance is only a descriptive measure.)
pub fn kaplan_meier(observations: &[Observation]) -> Vec<(f64, f64)> {
    let mut data = observations.to_vec();
    let complete = |o: &Observation| o.kind == Kind::Failure;
    // Ascending; complete before censored at a tie.
    data.sort_by(|a, b| {
        a.value
            .total_cmp(&b.value)
            .then(complete(b).cmp(&complete(a)))
    });
    let mut at_risk = data.len();
    let mut survival = 1.0;
    let mut steps = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let mut j = i;
        let mut deaths = 0;
        while j < data.len() && data[j].value == data[i].value {
            deaths += usize::from(complete(&data[j]));
            j += 1;
        }
        if deaths > 0 {
            survival *= 1.0 - deaths as f64 / at_risk as f64;
            steps.push((data[i].value, survival));
        }
        at_risk -= j - i;
        i = j;
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(values: &[f64]) -> Vec<Observation> {
        values
            .iter()
            .map(|&value| Observation::failure(value))
            .collect()
    }

    #[test]
    fn exponential_is_total_time_over_failures() {
        let mut data = observed(&[100.0, 200.0, 300.0]);
        data.push(Observation::censored(400.0));
        let fit = fit_sample(&data);
        assert_eq!((fit.failures, fit.censored), (3, 1));
        let mean = &fit.fits[0].parameters[0];
        assert!((mean.estimate - 1000.0 / 3.0).abs() < 1e-9);
        // 2T / chi2(0.975; 8) and 2T / chi2(0.025; 6), from tables: 17.5345 and 1.2373.
        assert!((mean.low.unwrap() - 2000.0 / 17.534_546).abs() < 1e-3);
        assert!((mean.high.unwrap() - 2000.0 / 1.237_344).abs() < 1e-2);
        // ln L = -r ln(mean) - r.
        let expected = -3.0 * (1000.0f64 / 3.0).ln() - 3.0;
        assert!((fit.fits[0].log_likelihood - expected).abs() < 1e-9);
    }

    #[test]
    fn weibull_of_shape_one_matches_the_exponential() {
        // For an exactly exponential-looking sample the Weibull ln L is at least the
        // exponential's (it nests it) and its AIC pays one parameter more.
        let data = observed(&[12.0, 55.0, 3.0, 140.0, 33.0, 70.0, 8.0, 21.0]);
        let fit = fit_sample(&data);
        let (exponential, weibull) = (&fit.fits[0], &fit.fits[1]);
        assert!(weibull.log_likelihood >= exponential.log_likelihood - 1e-9);
        assert_eq!(fit.fits.len(), 4);
    }

    #[test]
    fn no_failure_gives_a_lower_bound() {
        let data = vec![Observation::censored(3000.0)];
        let fit = fit_sample(&data);
        assert!(fit.fits.is_empty() && fit.best.is_none());
        assert!((fit.mean_lower_bound.unwrap() - 3000.0 / 2.995_732_273_553_991).abs() < 1e-9);
    }

    #[test]
    fn kaplan_meier_handles_censoring() {
        // 1, 2+, 3, 4: S(1) = 3/4, S(3) = 3/4 * (1 - 1/2) = 3/8, S(4) = 0.
        let mut data = observed(&[1.0, 3.0, 4.0]);
        data.push(Observation::censored(2.0));
        let steps = kaplan_meier(&data);
        assert_eq!(steps, vec![(1.0, 0.75), (3.0, 0.375), (4.0, 0.0)]);
    }

    #[test]
    fn a_first_failure_is_one_more_failure_for_the_exponential() {
        // 50+ (the window's start to the first failure), 100, 200, 300 complete, 400 censored:
        // T = 1050, r = 4 (the first counts), mean = T / 4, and ln L as if it were complete.
        let mut data = observed(&[100.0, 200.0, 300.0]);
        data.push(Observation::first_failure(50.0));
        data.push(Observation::censored(400.0));
        let fit = fit_sample(&data);
        assert_eq!((fit.failures, fit.first, fit.censored), (4, 1, 1));
        let mean = &fit.fits[0].parameters[0];
        assert!((mean.estimate - 1050.0 / 4.0).abs() < 1e-9);
        let expected = -4.0 * (1050.0f64 / 4.0).ln() - 4.0;
        assert!((fit.fits[0].log_likelihood - expected).abs() < 1e-9);
        // Four values end in a failure: the two-parameter laws are fitted.
        assert_eq!(fit.fits.len(), 4);
        // Only a first failure: an exponential fit, not the no-failure bound.
        let fit = fit_sample(&[Observation::first_failure(3000.0)]);
        assert!(fit.mean_lower_bound.is_none() && fit.best == Some(0));
        assert!((fit.fits[0].parameters[0].estimate - 3000.0).abs() < 1e-9);
    }

    #[test]
    fn the_forward_recurrence_density_integrates_to_one() {
        // S(x)/μ is a density for every law: check ln μ numerically (trapezoid in ln x).
        let laws: [(Family, [f64; 2]); 4] = [
            (Family::Exponential, [2.0, 0.0]),
            (Family::Weibull, [0.7, 1.5]),
            (Family::Lognormal, [0.8, 0.9]),
            (Family::Gamma, [2.5, 1.2]),
        ];
        for (family, p) in laws {
            let (steps, low, high) = (40_000, (1e-9f64).ln(), (1e4f64).ln());
            let h = (high - low) / steps as f64;
            let integral: f64 = (0..=steps)
                .map(|i| {
                    let u = low + h * i as f64;
                    let x = u.exp();
                    let value = (family.log_density_survival(&p, x).1 - family.log_mean(&p)).exp();
                    let weight = if i == 0 || i == steps { 0.5 } else { 1.0 };
                    weight * value * x * h
                })
                .sum();
            assert!((integral - 1.0).abs() < 1e-4, "{family:?}: {integral}");
        }
    }

    #[test]
    fn the_weibull_profile_scale_maximises_with_a_first_failure() {
        // λ(k) = (Σ y^k / (r + q/k))^(1/k): at fixed k no other scale does better.
        let mut data = observed(&[0.3, 1.2, 0.8, 2.5, 0.1]);
        data.push(Observation::first_failure(0.6));
        data.push(Observation::censored(1.9));
        for k in [0.5, 1.0, 2.3] {
            let sum: f64 = data.iter().map(|o| o.value.powf(k)).sum();
            let closed = (sum / (5.0 + 1.0 / k)).powf(1.0 / k);
            let minus =
                |log_scale: f64| -log_likelihood(Family::Weibull, &[k, log_scale.exp()], &data);
            let numeric = golden_section(minus, -5.0, 5.0, 1e-12).exp();
            assert!(
                (closed / numeric - 1.0).abs() < 1e-6,
                "k {k}: {closed} vs {numeric}"
            );
        }
    }

    #[test]
    fn kaplan_meier_treats_a_first_failure_as_censored() {
        let mut data = observed(&[1.0, 3.0, 4.0]);
        data.push(Observation::first_failure(2.0));
        assert_eq!(
            kaplan_meier(&data),
            vec![(1.0, 0.75), (3.0, 0.375), (4.0, 0.0)]
        );
    }

    #[test]
    fn lognormal_tail_survival_is_finite() {
        assert!((ln_normal_survival(0.0) - 0.5f64.ln()).abs() < 1e-12);
        let far = ln_normal_survival(40.0);
        assert!(far.is_finite() && far < -800.0);
        // Continuity across the switch at 30.
        assert!((ln_normal_survival(29.999) - ln_normal_survival(30.0)).abs() < 0.1);
    }
}
