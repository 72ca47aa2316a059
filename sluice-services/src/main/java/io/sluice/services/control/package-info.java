/**
 * The SLA services' control loop, with no process or socket around it: the performance analyzer that turns statistics
 * and SLAs into throttle parameters every poll interval (fair share, capacity estimate, objective aim, step limiter,
 * backend and group allocation), the manual throttles that override it and the policy rules beyond single SLAs (time
 * windows, actions on sustained violation). Next to it: SLAs and the policy book (the policy manager's store,
 * validation and admission control) in {@code io.sluice.services.sla}; compliance (verdicts, rollups per minute, hour
 * and day, alerts) in {@code io.sluice.services.compliance}; capacity watch and forecasting in
 * {@code io.sluice.services.capacity}; the backends, placements, volumes and gateways known in
 * {@code io.sluice.services.inventory}; the entity service's cache of recent statistics in
 * {@code io.sluice.services.stats}. The process around them (mailboxes, JSON calls, database forwarding) is
 * {@code io.sluice.services.daemon}.
 *
 * <p>Everything in these packages is single-threaded and driven from outside: the analyzer's
 * {@link PerformanceAnalyzer#doWork(long)} takes the time from its caller, so tests step it interval by interval
 * against a simulated backend, and the process runs it on its one loop thread ({@code services-loop}, in
 * {@code io.sluice.services.daemon}) next to the mailbox that feeds it. None of these classes is safe to share between
 * threads.
 *
 * <h2>The control loop in one paragraph</h2>
 *
 * Each interval and backend: a volume's demand is what it completed plus the growth of its gateways' queues, or a probe
 * above its limit when the limit holds it back and its queue stands still; the backend's capacity estimate is cut when
 * the worst latency objective on it (or, without one, its p95 against twenty times its idle latency) is exceeded, held
 * inside a hysteresis band, and raised slowly when the backend is busy and fast, up to a plateau below the load that
 * last congested it; under a latency objective, which is an aim rather than a congestion mark, a busy backend also
 * creeps up through the band, 1% an interval at its lower edge and less the nearer the aim, until its latency is within
 * 97% of the aim (and stays 3% short of the load at which latency last overshot), so it settles at the aim rather than
 * wherever a cut left it; a first interval over the aim in which the backend delivered more than the estimate (a
 * backlog let through) is not cut. The capacity goes to reservations first (never lent), then by class in priority
 * order with weighted max-min fairness up to each volume's demand and limit, then as headroom by weight; a group SLA's
 * IOPS limit is divided the same way among the group's volumes first and caps their shares. Each volume's allocation,
 * limits and reservation are split across its gateways by their share of its demand; gateway limits move in bounded
 * steps with a dead band, and only changed sets are sent, with versions that only rise.
 */
package io.sluice.services.control;
