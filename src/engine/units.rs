//! Units and fault domains: failures, recoveries (repair, restart with backoff,
//! replacement), zone and region outages, and the health checks that move units in and out
//! of rotation.

use rand::Rng;

use super::state::NO_PROCESS;
use super::trial::{TrialRunner, HOUR};
use super::{DomainKind, Event};
use crate::scenario::{CheckProtocol, Effect, Prober, Recovery};
use crate::time::{next_tick, Ticks};

impl TrialRunner<'_> {
    /// Draws the phases of periodic health checks, once per trial.
    pub(super) fn draw_initial_phases(&mut self) {
        let plan = self.plan;
        for (u, unit) in plan.units.iter().enumerate() {
            // Drawn whether or not there are checks, so that adding a health check does not
            // shift the unit's later draws (restarts, replacements) between two variants;
            // without checks, skipped without building the stream until it is needed.
            match &plan.components[unit.component as usize].spec.health_check {
                Some(check) => {
                    let draw: u64 = self.unit_streams[u].random();
                    self.units[u].check_phase = draw % check.interval;
                }
                None => self.unit_streams.skip_u64(u),
            }
        }
        for (e, edge) in plan.edges.iter().enumerate() {
            if edge.dns_endpoint {
                let dns = plan.components[edge.caller as usize].spec.dns.as_ref();
                let interval = dns.map_or(1, |d| d.check_interval);
                self.edges[e].dns_phase = self.edge_streams[e].random_range(0..interval);
            }
        }
    }

    /// Draws every failure mode's time to failure; the earliest wins (competing risks).
    pub(super) fn schedule_unit_failure(&mut self, now: Ticks, unit: u32) {
        let plan = self.plan;
        let unit_plan = &plan.units[unit as usize];
        let component = &plan.components[unit_plan.component as usize];
        let failures = &component.spec.failures;
        let mut earliest: Option<(Ticks, u32)> = None;
        // Two loops, so that components without a common cause (nearly all) draw exactly
        // as before, with nothing added to this hot path.
        if component.common_cause {
            for index in unit_plan.modes_start..unit_plan.modes_end {
                let failure = &failures[plan.unit_modes[index as usize].mode as usize];
                // A mode with a common cause keeps (1 - beta) of its rate for the unit alone:
                // its draws are stretched by 1 / (1 - beta), and at beta = 1 it has none.
                let scale = failure.own_ttf_scale();
                if scale.is_infinite() {
                    continue;
                }
                let mut delay = failure
                    .time_to_failure
                    .sample(&mut self.mode_streams[index as usize]);
                if scale != 1.0 {
                    delay = crate::time::ticks_from_f64(delay as f64 * scale);
                }
                if earliest.is_none_or(|(best, _)| delay < best) {
                    earliest = Some((delay, index));
                }
            }
        } else {
            for index in unit_plan.modes_start..unit_plan.modes_end {
                let mode = plan.unit_modes[index as usize].mode;
                let delay = failures[mode as usize]
                    .time_to_failure
                    .sample(&mut self.mode_streams[index as usize]);
                if earliest.is_none_or(|(best, _)| delay < best) {
                    earliest = Some((delay, index));
                }
            }
        }
        if let Some((delay, mode)) = earliest {
            // At least a microsecond of life: time must move between a repair and the next
            // failure, or a distribution whose draws round to 0 would loop forever.
            let delay = delay.max(1);
            self.units[unit as usize].failure_due = now.saturating_add(delay);
            self.schedule(now, delay, Event::UnitFails { unit, mode });
        } else {
            self.units[unit as usize].failure_due = Ticks::MAX;
        }
        if let Some(forcing) = &mut self.forcing {
            forcing.clock_started(unit as usize, now);
        }
    }

    pub(super) fn schedule_domain_failure(&mut self, now: Ticks, domain: u32) {
        let delay = self.plan.domains[domain as usize]
            .time_to_failure
            .sample(&mut self.domain_streams[domain as usize])
            .max(1);
        if let Some(forcing) = &mut self.forcing {
            let clock = self.plan.units.len() + domain as usize;
            forcing.clock_started(clock, now);
            forcing.set_due(clock, now.saturating_add(delay));
        }
        self.schedule(now, delay, Event::DomainFails { domain });
    }

    pub(super) fn unit_fails(&mut self, now: Ticks, unit: u32, mode_index: u32) {
        // The event loop drops a failure cancelled by a common-cause strike.
        debug_assert_eq!(self.units[unit as usize].failure_due, now);
        let plan = self.plan;
        let mode = plan.unit_modes[mode_index as usize];
        let component = plan.units[unit as usize].component;
        let failure = &plan.components[component as usize].spec.failures[mode.mode as usize];
        // Always drawn, so a mode's stream stays aligned whatever ends its outages.
        let repair = failure
            .time_to_repair
            .sample(&mut self.mode_streams[mode_index as usize]);
        let outage = self.fail_unit(
            now, unit, component, mode_index, failure, repair, mode.cause,
        );
        if self.forcing.is_some() {
            self.force_partners(now, unit as usize, outage);
        }
    }

    /// Fails `unit` (of `component`) in unit mode `mode_index`, whose failure mode is
    /// `failure`: recovery after `repair` (or a restart or a replacement, by the mode's
    /// `recovery`), blaming `cause` if the unit was good. Returns how long it stays down.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fail_unit(
        &mut self,
        now: Ticks,
        unit: u32,
        component: u32,
        mode_index: u32,
        failure: &crate::scenario::FailureMode,
        repair: Ticks,
        cause: u32,
    ) -> Ticks {
        let recovery_delay = self.recovery_delay(now, unit, failure, repair);
        self.schedule(now, recovery_delay, Event::UnitRecovers { unit });
        let was_good = self.units[unit as usize].good();
        // What it did to requests before (only needed if it was bad already).
        let before = if was_good {
            failure.effect
        } else {
            self.unit_effect(unit)
        };
        let state = &mut self.units[unit as usize];
        state.failed = true;
        state.failure_due = Ticks::MAX;
        state.mode = mode_index;
        state.effect = failure.effect;
        if was_good {
            state.cause = cause;
            state.bad_since = now;
            self.unit_turned_bad(now, unit);
        } else {
            self.enqueue(component);
            self.reblame(now, unit);
            self.effect_changed(now, unit, before);
        }
        recovery_delay
    }

    /// How long a failure of mode `failure` keeps `unit` down: the `repair` draw, or the
    /// unit's restart or replacement, by the mode's recovery.
    #[inline(always)]
    pub(super) fn recovery_delay(
        &mut self,
        now: Ticks,
        unit: u32,
        failure: &crate::scenario::FailureMode,
        repair: Ticks,
    ) -> Ticks {
        match failure.recovery {
            Recovery::Repair => repair,
            Recovery::Restart => self.restart_delay(now, unit, failure.effect),
            Recovery::Replace => {
                let component = self.plan.units[unit as usize].component;
                let replacement = self.plan.components[component as usize]
                    .spec
                    .replacement
                    .as_ref()
                    .expect("checked at load");
                let provisioning = replacement
                    .provisioning
                    .sample(&mut self.unit_streams[unit as usize]);
                replacement.detection.saturating_add(provisioning)
            }
        }
    }

    /// Time from a failure to the restarted process serving again: detection by the
    /// orchestrator, CrashLoopBackOff delay, and the restart itself.
    pub(super) fn restart_delay(&mut self, now: Ticks, unit: u32, effect: Effect) -> Ticks {
        let plan = self.plan;
        let component = &plan.components[plan.units[unit as usize].component as usize].spec;
        let restart = component.restart.as_ref().expect("checked at load");
        let rng = &mut self.unit_streams[unit as usize];
        let detection = match (effect, &component.liveness) {
            // A crashed process exits: the orchestrator sees it at once.
            (Effect::Crash, _) => 0,
            (_, Some(liveness)) => {
                let phase = rng.random_range(0..liveness.period);
                phase.saturating_add(
                    liveness
                        .period
                        .saturating_mul(Ticks::from(liveness.failure_threshold - 1)),
                )
            }
            (_, None) => 0,
        };
        let kill_after = startup_kill_floor(component);
        let state = &mut self.units[unit as usize];
        let restart_at = now.saturating_add(detection);
        // Time from `restart_at` to the start of the current attempt.
        let mut elapsed: Ticks = 0;
        loop {
            let attempt_at = restart_at.saturating_add(elapsed);
            if state.restart_count > 0
                && attempt_at.saturating_sub(state.last_restart) >= restart.backoff_reset
            {
                state.restart_count = 0;
            }
            // Kubernetes restarts at once the first time, then waits 10 s, 20 s, 40 s, ...
            let backoff = if state.restart_count == 0 {
                0
            } else {
                let doublings = (state.restart_count - 1).min(40);
                restart
                    .backoff_initial
                    .saturating_mul(1 << doublings)
                    .min(restart.backoff_max)
            };
            let duration = restart.duration.sample(rng);
            state.restart_count += 1;
            let started = attempt_at.saturating_add(backoff);
            state.process_started = started;
            // The probe worker keeps its ticker across restarts, so the first probe comes
            // a uniform phase after `floor`; drawn only when it decides something.
            let deadline = match kill_after {
                Some((floor, period)) if duration > floor => {
                    Some(floor.saturating_add(rng.random_range(0..period)))
                }
                _ => None,
            };
            match deadline {
                Some(deadline) if duration > deadline => {
                    // Still starting when the probe gives up: killed, and round again
                    // with a longer backoff (the endless CrashLoopBackOff of a slow start).
                    state.last_restart = started;
                    elapsed = elapsed.saturating_add(backoff).saturating_add(deadline);
                    if elapsed >= plan.horizon {
                        return detection.saturating_add(elapsed);
                    }
                }
                _ => {
                    state.last_restart = started.saturating_add(duration);
                    // Saturating: a draw past the end of time is "never back".
                    return detection
                        .saturating_add(elapsed)
                        .saturating_add(backoff)
                        .saturating_add(duration);
                }
            }
        }
    }

    pub(super) fn unit_recovers(&mut self, now: Ticks, unit: u32) {
        let plan = self.plan;
        let cause = self.own_cause(unit);
        let state = &mut self.units[unit as usize];
        state.failed = false;
        let struck_by = std::mem::replace(&mut state.struck_by, NO_PROCESS);
        let before = state.effect;
        let recovery = plan.mode_behaviour(unit, state.mode).1;
        self.count_recovery(cause, recovery);
        if self.units[unit as usize].good() {
            self.unit_turned_good(now, unit);
        } else {
            // Still under an overlay: blame it now, and let checks see its effect.
            self.enqueue(plan.units[unit as usize].component);
            self.reblame(now, unit);
            self.effect_changed(now, unit, before);
        }
        // As good as new: every mode's clock starts afresh.
        self.schedule_unit_failure(now, unit);
        self.deep_process_started(now, unit);
        if struck_by != NO_PROCESS {
            self.common_cause_unit_returned(now, struck_by);
        }
    }

    pub(super) fn domain_fails(&mut self, now: Ticks, domain: u32) {
        let plan = self.plan;
        let domain_plan = &plan.domains[domain as usize];
        let repair = domain_plan
            .time_to_repair
            .sample(&mut self.domain_streams[domain as usize]);
        self.schedule(now, repair, Event::DomainRecovers { domain });
        self.domain_goes_down(now, domain);
        if self.forcing.is_some() {
            self.force_partners(now, plan.units.len() + domain as usize, repair);
        }
    }

    /// A zone or region goes down (until its recovery, scheduled by the caller).
    pub(super) fn domain_goes_down(&mut self, now: Ticks, domain: u32) {
        // An outage injected by an experiment and a random one can overlap: the domain is
        // down while either holds it.
        self.domain_holds[domain as usize] += 1;
        if self.domain_holds[domain as usize] > 1 {
            return;
        }
        let domain_plan = &self.plan.domains[domain as usize];
        self.set_domain_down(domain, true);
        for &unit in &domain_plan.units {
            // Cut off from its callers: requests to it time out.
            self.cover(now, unit, Effect::Hang, domain_plan.cause);
        }
        self.zone_relaunches_start(now, domain);
        self.domains_changed();
    }

    pub(super) fn domain_recovers(&mut self, now: Ticks, domain: u32) {
        self.domain_comes_back(now, domain);
        self.schedule_domain_failure(now, domain);
    }

    /// A zone or region's outage ends (unless another, injected by an experiment, still
    /// holds it down).
    pub(super) fn domain_comes_back(&mut self, now: Ticks, domain: u32) {
        let holds = &mut self.domain_holds[domain as usize];
        *holds = holds.saturating_sub(1);
        if *holds > 0 {
            return;
        }
        let plan = self.plan;
        self.set_domain_down(domain, false);
        let domain_plan = &plan.domains[domain as usize];
        let zone = domain_plan.kind == DomainKind::Zone;
        for &unit in &domain_plan.units {
            // A unit relaunched elsewhere has nothing to recover from its zone's return.
            if !(zone && self.zone_relaunches.zone_returned(unit, domain)) {
                self.uncover(now, unit, Effect::Hang, domain_plan.cause);
            }
        }
        self.zone_relaunches_retry(now);
        self.domains_changed();
    }

    fn set_domain_down(&mut self, domain: u32, down: bool) {
        let plan = self.plan;
        let domain_plan = &plan.domains[domain as usize];
        match domain_plan.kind {
            DomainKind::Zone => self.zone_down[domain_plan.index] = down,
            DomainKind::Region => self.region_down[domain_plan.index] = down,
        }
    }

    pub(super) fn unit_turned_bad(&mut self, now: Ticks, unit: u32) {
        let component = self.plan.units[unit as usize].component;
        self.good_units[component as usize] -= 1;
        let spec = &self.plan.components[component as usize].spec;
        let state = &self.units[unit as usize];
        if !state.in_rotation && state.admission_pending && self.readmission_goes_ahead(now, unit) {
            self.enqueue(component);
            self.failover_needs_look(component);
            return;
        }
        let state = &mut self.units[unit as usize];
        state.rotation_generation = state.rotation_generation.wrapping_add(1);
        let generation = state.rotation_generation;
        state.ejection_pending = false;
        state.admission_pending = false;
        if state.in_rotation {
            if spec.health_check.is_none() && spec.passive_check.is_none() {
                // No checks: routers see the failure at once (the core model); a slow unit
                // answers and stays in rotation.
                if !matches!(self.unit_effect(unit), Effect::Slow { .. }) {
                    self.units[unit as usize].in_rotation = false;
                }
            } else {
                match self.detection_delay(now, unit) {
                    Some(0) => self.units[unit as usize].in_rotation = false,
                    Some(delay) => {
                        self.units[unit as usize].ejection_pending = true;
                        self.schedule(now, delay, Event::Rotation { unit, generation })
                    }
                    None => {}
                }
            }
        }
        self.enqueue(component);
        self.failover_needs_look(component);
    }

    /// A unit on its way back into rotation turned bad again: the readmission goes ahead if
    /// the checks cannot see its effect (a slow response within their timeout).
    #[cold]
    #[inline(never)]
    fn readmission_goes_ahead(&mut self, now: Ticks, unit: u32) -> bool {
        self.detection_delay(now, unit).is_none()
    }

    /// A unit that stays bad now does something else to requests (a crash under a slow
    /// overlay, a hang that ends under a crash): checks that could not see the old effect
    /// may see the new one. An ejection already on its way is kept.
    #[cold]
    #[inline(never)]
    pub(super) fn effect_changed(&mut self, now: Ticks, unit: u32, before: Effect) {
        if self.unit_effect(unit) == before {
            return;
        }
        // What it does to requests started now (attribution picks the latest such unit).
        self.units[unit as usize].bad_since = now;
        let component = self.plan.units[unit as usize].component;
        self.enqueue(component);
        // A primary's monitors may now see it dead (or alive again).
        self.failover_needs_look(component);
        let state = &self.units[unit as usize];
        if state.good() || state.ejection_pending {
            return;
        }
        if !state.in_rotation {
            // Out of rotation with an effect the checks cannot see (a slow response within
            // their timeout): they pass again and readmit it.
            if !state.admission_pending && self.detection_delay(now, unit).is_none() {
                let delay = self.return_delay(now, unit);
                self.schedule_rotation(now, unit, delay, true);
            }
            return;
        }
        match self.detection_delay(now, unit) {
            Some(0) => self.units[unit as usize].in_rotation = false,
            Some(delay) => self.schedule_rotation(now, unit, delay, false),
            None => {}
        }
    }

    /// Checks will put `unit` back into rotation (`admit`) or take it out after `delay`;
    /// anything pending for it is cancelled.
    fn schedule_rotation(&mut self, now: Ticks, unit: u32, delay: Ticks, admit: bool) {
        let state = &mut self.units[unit as usize];
        state.rotation_generation = state.rotation_generation.wrapping_add(1);
        state.admission_pending = admit;
        state.ejection_pending = !admit;
        let generation = state.rotation_generation;
        self.schedule(now, delay, Event::Rotation { unit, generation });
    }

    pub(super) fn unit_turned_good(&mut self, now: Ticks, unit: u32) {
        let plan = self.plan;
        let component = plan.units[unit as usize].component;
        self.good_units[component as usize] += 1;
        let spec = &plan.components[component as usize].spec;
        if let Some(crate::scenario::Replication::Sync {
            catch_up: Some(catch_up),
        }) = &spec.replication
        {
            let delay = catch_up.sample(&mut self.unit_streams[unit as usize]);
            self.units[unit as usize].caught_up_at = now.saturating_add(delay);
        }
        let state = &mut self.units[unit as usize];
        if !state.admission_pending || state.in_rotation {
            // (A readmission already on its way, for a harmless effect, is kept.)
            state.rotation_generation = state.rotation_generation.wrapping_add(1);
            state.ejection_pending = false;
            let generation = state.rotation_generation;
            if !state.in_rotation {
                // No checks: routers see the unit back at once (the core model).
                let checked = spec.health_check.is_some() || spec.passive_check.is_some();
                let delay = if checked {
                    self.return_delay(now, unit)
                } else {
                    0
                };
                if delay == 0 {
                    self.units[unit as usize].in_rotation = true;
                } else {
                    self.units[unit as usize].admission_pending = true;
                    self.schedule(now, delay, Event::Rotation { unit, generation });
                }
            }
        }
        self.enqueue(component);
        self.failover_needs_look(component);
    }

    /// Health checks flip a unit's rotation to match its health, if nothing changed since.
    pub(super) fn rotation_event(&mut self, now: Ticks, unit: u32, generation: u32) {
        let state = &mut self.units[unit as usize];
        if state.rotation_generation != generation {
            return;
        }
        state.ejection_pending = false;
        state.admission_pending = false;
        // In rotation while its checks pass: good, or bad in a way they cannot see.
        let admitted = state.good() || self.detection_delay(now, unit).is_none();
        let state = &mut self.units[unit as usize];
        state.in_rotation = admitted;
        if !admitted {
            state.ejected_at = now;
        }
        self.enqueue(self.plan.units[unit as usize].component);
    }

    /// Time until checks take a bad unit out of rotation: `Some(0)` without checks, `None`
    /// when no check can see this failure.
    pub(super) fn detection_delay(&mut self, now: Ticks, unit: u32) -> Option<Ticks> {
        let plan = self.plan;
        let component = plan.units[unit as usize].component as usize;
        let spec = &plan.components[component].spec;
        let effect = self.unit_effect(unit);
        if spec.health_check.is_none() && spec.passive_check.is_none() {
            // Without checks routers see a dead or cut-off unit at once; a slow one answers,
            // so they keep sending to it (its requests fail only past the deadline).
            return match effect {
                Effect::Slow { .. } => None,
                _ => Some(0),
            };
        }
        let mut best: Option<Ticks> = None;
        if let Some(check) = &spec.health_check {
            let process_gone = self.process_gone(unit);
            if check.prober == Prober::Readiness && process_gone {
                // The kubelet sees the container exit and the endpoint goes at once.
                return Some(0);
            }
            let (fails_checks, waits) = match (check.protocol, effect) {
                // A TCP connect fails only if the process is gone (refused) or the unit is
                // cut off (no answer); the kernel accepts it for a hung or failing process.
                (CheckProtocol::Tcp, _) if !process_gone && !self.cut_off(unit) => (false, 0),
                (CheckProtocol::Tcp, Effect::Crash) if process_gone => (true, 0),
                (CheckProtocol::Tcp, _) => (true, check.timeout),
                (CheckProtocol::Http, Effect::Crash) => (true, 0),
                (CheckProtocol::Http, Effect::Hang) => (true, check.timeout),
                (CheckProtocol::Http, Effect::Slow { latency }) => {
                    (latency >= check.timeout, check.timeout)
                }
            };
            if fails_checks {
                let first = next_tick(now, self.units[unit as usize].check_phase, check.interval);
                let marked = first
                    .saturating_add(
                        check
                            .interval
                            .saturating_mul(Ticks::from(check.unhealthy_threshold - 1)),
                    )
                    .saturating_add(waits);
                best = Some(marked.saturating_sub(now));
            }
        }
        if let Some(passive) = &spec.passive_check {
            let failing_requests = match effect {
                Effect::Crash => Some(0),
                Effect::Hang => Some(self.passive_wait(component)),
                Effect::Slow { latency } => spec.deadline.filter(|d| latency >= *d),
            };
            if let Some(wait) = failing_requests {
                // nginx resets a peer's `fails` only on a success
                // (ngx_http_upstream_free_round_robin_peer), never by time: a dead server is
                // ejected after `max_fails` failed requests, however slowly they come, as
                // the demand follows its daily profile.
                let in_rotation = self.units_in_rotation(component).max(1) as f64;
                let requests = f64::from(passive.max_fails) * in_rotation;
                if let Some(needed) = self.time_to_requests(now, component, requests) {
                    let delay = needed.saturating_add(wait);
                    best = Some(best.map_or(delay, |b| b.min(delay)));
                }
            }
        }
        best
    }

    /// The unit's process has exited: its own crash, or a kill by its deep liveness probe
    /// (not an overlay such as a bad release answering errors).
    fn process_gone(&self, unit: u32) -> bool {
        let state = &self.units[unit as usize];
        (state.failed && state.effect == Effect::Crash) || self.deep.restarting(unit)
    }

    /// The unit's zone or region is down: nothing reaches it.
    fn cut_off(&self, unit: u32) -> bool {
        let unit_plan = &self.plan.units[unit as usize];
        unit_plan.zone.is_some_and(|z| self.zone_down[z as usize])
            && !self.zone_relaunches.relaunched(unit)
            || unit_plan
                .region
                .is_some_and(|r| self.region_down[r as usize])
    }

    /// How long from `now` until `requests` more requests have reached `component`, with
    /// the demand following the traffic profile hour by hour; `None` if they never do.
    fn time_to_requests(&self, now: Ticks, component: usize, requests: f64) -> Option<Ticks> {
        let plan = self.plan;
        let traffic = plan.traffic.as_ref()?;
        let peak = traffic.peak_rps * plan.components[component].spec.load_factor;
        let day: f64 = traffic.hourly.iter().sum::<f64>() * 3600.0 * peak;
        if peak <= 0.0 || day <= 0.0 {
            return None;
        }
        // Whole days first (the profile repeats), then hour by hour.
        let whole_days = ((requests / day).floor() - 1.0).max(0.0);
        let mut remaining = requests - whole_days * day;
        let mut elapsed = whole_days * 86_400.0;
        let mut t = now;
        loop {
            let hour = ((t / HOUR) % 24) as usize;
            let left = (HOUR - t % HOUR) as f64 / 1e6;
            let rate = traffic.hourly[hour] * peak;
            if rate > 0.0 && rate * left >= remaining {
                elapsed += remaining / rate;
                return Some(crate::time::ticks_from_f64(elapsed * 1e6));
            }
            remaining -= rate * left;
            elapsed += left;
            t = (t / HOUR + 1) * HOUR;
        }
    }

    /// Time until a unit that turned good is back in rotation.
    fn return_delay(&mut self, now: Ticks, unit: u32) -> Ticks {
        let plan = self.plan;
        let spec = &plan.components[plan.units[unit as usize].component as usize].spec;
        let state = &self.units[unit as usize];
        if let Some(check) = &spec.health_check {
            let first = next_tick(now, state.check_phase, check.interval);
            first
                .saturating_add(
                    check
                        .interval
                        .saturating_mul(Ticks::from(check.healthy_threshold - 1)),
                )
                .saturating_sub(now)
        } else if let Some(passive) = &spec.passive_check {
            next_tick(now, state.ejected_at, passive.fail_timeout).saturating_sub(now)
        } else {
            0
        }
    }

    /// Requests per second reaching `component` now.
    pub(super) fn request_rate(&self, component: usize) -> f64 {
        let spec = &self.plan.components[component].spec;
        self.plan
            .traffic
            .as_ref()
            .map_or(0.0, |t| t.peak_rps * self.demand * spec.load_factor)
    }

    /// How long a request to a hung unit of `component` takes to fail for nginx's passive
    /// check: its read timeout (`upstream_timeout`) with `retry_next_upstream`, if the
    /// callers wait that long; else the callers' timeout.
    pub(super) fn passive_wait(&self, component: usize) -> Ticks {
        let patience = self.request_timeout(component);
        match &self.plan.components[component].spec.retry_next_upstream {
            Some(next) => next.upstream_timeout.min(patience),
            None => patience,
        }
    }

    /// How long callers of `component` wait before giving up (the shortest of its callers'
    /// timeouts; its deadline if it has one, or 10 s).
    pub(super) fn request_timeout(&self, component: usize) -> Ticks {
        let plan = self.plan;
        plan.components[component]
            .dependents
            .iter()
            .map(|e| plan.edges[*e as usize].dependency.timeout)
            .filter(|t| *t > 0)
            .min()
            .or(plan.components[component].spec.deadline)
            .unwrap_or(10_000_000)
    }

    fn units_in_rotation(&self, component: usize) -> usize {
        let plan = &self.plan.components[component];
        (plan.units_start..plan.units_end)
            .filter(|u| self.units[*u as usize].in_rotation)
            .count()
    }
}

/// How long a restarted process may take to start before its probes kill it, as (floor,
/// period): the kill comes at floor + U[0, period), the startup probe's if there is one,
/// else the liveness probe's (none without either). The kubelet's probe worker ticks every
/// period on a phase of its own (kept across restarts: `pkg/kubelet/prober/worker.go`),
/// skips the ticks before `initial_delay`, and kills at the `failure_threshold`-th failure
/// in a row: at initial_delay + U[0, period) + (failure_threshold - 1) x period.
fn startup_kill_floor(component: &crate::scenario::Component) -> Option<(Ticks, Ticks)> {
    let (period, threshold, initial_delay) = match (&component.startup_probe, &component.liveness) {
        (Some(probe), _) => (probe.period, probe.failure_threshold, probe.initial_delay),
        (None, Some(liveness)) => (
            liveness.period,
            liveness.failure_threshold,
            liveness.initial_delay,
        ),
        (None, None) => return None,
    };
    let floor = initial_delay.saturating_add(period.saturating_mul(Ticks::from(threshold - 1)));
    Some((floor, period))
}

#[cfg(test)]
mod tests {
    use crate::time::next_tick;

    #[test]
    fn next_tick_is_at_or_after_now() {
        assert_eq!(next_tick(0, 3, 10), 3);
        assert_eq!(next_tick(3, 3, 10), 3);
        assert_eq!(next_tick(4, 3, 10), 13);
        assert_eq!(next_tick(13, 3, 10), 13);
        assert_eq!(next_tick(25, 3, 10), 33);
        assert_eq!(next_tick(16, 5, 10), 25);
    }
}
