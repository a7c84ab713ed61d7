"""Deliberate breaks of the update rules and the judge (issue 23, item 8):
each is applied alone to a scratch clone, the core tests that exercise the
rules are run, and the break is reported as caught (by which tests) or
missed. The figures are in docs/dynamics.md, "Tests that can fail".

    git worktree add /tmp/mutwt HEAD
    CARGO_TARGET_DIR=/tmp/mut python3 tests/mutation/breaks.py /tmp/mutwt [INDEX ...]

About two minutes per break on two cores (a release build of the core
crate and its tests); not part of .ci/run.
"""
import subprocess, sys, os, json, time
CLONE = sys.argv[1]
R = CLONE + '/crates/openmarket-core/src/'
M=[
 ("best_response (simultaneous): best response replaced by the current action", "dynamics/rules/best_response.rs",
  "            formula(view).best_response(profile)\n        } else {\n            profile[view.me()]", "            profile[view.me()]\n        } else {\n            profile[view.me()]"),
 ("best_response (fitted G): stale observation, the fit ignores responses after exploration", "dynamics/rules/best_response.rs",
  "        let seen = &mut self.seen[..self.len];\n        if seen.last() == Some(&(w, response)) {", "        let seen = &mut self.seen[..self.len];\n        if self.len >= EXPLORE || seen.last() == Some(&(w, response)) {"),
 ("epsilon_greedy: flipped choice (explores with probability 1 − ε)", "dynamics/rules/epsilon_greedy.rs",
  "if rng.random_bool(self.epsilon) {", "if !rng.random_bool(self.epsilon) {"),
 ("fictitious_play: off-by-one count in the running average", "dynamics/rules/fictitious_play.rs",
  "            *a = *s / self.count;", "            *a = *s / (self.count + 1.0);"),
 ("gradient: flipped sign of the step", "dynamics/rules/gradient.rs",
  "profile[view.me()] + gamma * formula(view).gradient(profile)", "profile[view.me()] - gamma * formula(view).gradient(profile)"),
 ("zeroth_order: flipped sign of the slope", "dynamics/rules/zeroth_order.rs",
  "let slope = (self.payoffs[0] - self.payoffs[1]) / width;", "let slope = (self.payoffs[1] - self.payoffs[0]) / width;"),
 ("hedge: flipped sign of the weight update", "dynamics/rules/hedge.rs",
  "self.log_weights[k] += self.rule.eta * seen;", "self.log_weights[k] -= self.rule.eta * seen;"),
 ("exp3: importance weight off (divides by 1 − p)", "dynamics/rules/exp3.rs",
  "(u - b) / self.probs[self.chosen];", "(u - b) / (1.0 - self.probs[self.chosen]);"),
 ("exp3: stale observation (credits the previous arm)", "dynamics/rules/exp3.rs",
  "        self.chosen = sample(&self.probs, rng);\n        self.moved = true;", "        let k = sample(&self.probs, rng);\n        let f = self.finite.as_ref().expect(\"init\");\n        let a = f.actions[k];\n        self.chosen = k.saturating_sub(1);\n        self.moved = true;\n        return a;"),
 ("logit (mean-field): flipped sign of the gain", "dynamics/rules/logit.rs",
  "let gain = own.payoff(1.0, profile) - own.payoff(0.0, profile);", "let gain = own.payoff(0.0, profile) - own.payoff(1.0, profile);"),
 ("logit (G): stale observation (keeps the first payoff of each ω)", "dynamics/rules/logit.rs",
  "        self.sums[k] += u;\n        self.counts[k] += 1.0;", "        if self.counts[k] == 0.0 {\n            self.sums[k] += u;\n            self.counts[k] += 1.0;\n        }"),
 ("mean_response/fictitious_play: best response to the own current action, not the average", "dynamics/rules/fictitious_play.rs",
  "let br = formula(view).best_response(&self.avg);", "let br = formula(view).best_response(profile);"),
 ("fixed: holds a nudged action", "dynamics/rules/fixed.rs",
  "    fn update(&mut self, _: &View, _: &[f64], _: u64, _: &mut ChaCha8Rng) -> f64 {\n        self.action\n", "    fn update(&mut self, _: &View, _: &[f64], _: u64, _: &mut ChaCha8Rng) -> f64 {\n        self.action * 0.5\n"),
 ("judge: NashConv counts only the first free agent", "judge/mod.rs",
  "Some(free) => free.iter().map(|&i| game.max_gain(i, judged)).sum(),", "Some(free) => free.iter().take(1).map(|&i| game.max_gain(i, judged)).sum(),"),
 ("judge: CCE gap divides by one round too many", "judge/mod.rs",
  "            / self.rounds\n", "            / (self.rounds + 1.0)\n"),
 ("judge: QRE residual with a flipped gain", "judge/mod.rs",
  "let z = (game.payoff(i, 1.0, judged) - game.payoff(i, 0.0, judged)) / tau;", "let z = (game.payoff(i, 0.0, judged) - game.payoff(i, 1.0, judged)) / tau;"),
 ("market judge: a held follower judged at 0", "openness/judge/mod.rs",
  "            Follower::Constant(a) => (alpha1 - a).abs(),", "            Follower::Constant(_) => 0.0,"),
 ("market judge: follower judged at the ω G reports, not the one played", "openness/judge/mod.rs",
  "        leader + self.follower_gain(omega, judged[1], rules[1].distribution())", "        leader + self.follower_gain(judged[0], judged[1], rules[1].distribution())"),
]
only = sys.argv[2:] and [int(x) for x in sys.argv[2:]]
env=dict(os.environ, CARGO_INCREMENTAL='0')
env.setdefault('CARGO_TARGET_DIR', '/tmp/mut')
out=[]
for idx,(desc,f,old,new) in enumerate(M):
    if only and idx not in only: continue
    p=R+f; s=open(p).read()
    if old not in s:
        out.append((desc,'PATTERN NOT FOUND')); print(desc,'PATTERN NOT FOUND',flush=True); continue
    open(p,'w').write(s.replace(old,new,1))
    try:
        t=time.time()
        r=subprocess.run(['cargo','test','--release','-p','openmarket-core','--lib','--test','dynamics','--test','experiment','--test','sector','--no-fail-fast'],cwd=CLONE,env=env,capture_output=True,text=True)
        failed=[l.split()[1] for l in r.stdout.splitlines() if l.startswith('test ') and l.endswith('FAILED')]
        build_err = 'error[' in r.stderr and not failed
        res = 'BUILD ERROR' if build_err else (f'caught by {len(failed)}: '+', '.join(failed[:4]) if failed else 'MISSED')
        out.append((desc,res)); print(f'{desc}: {res} ({time.time()-t:.0f}s)',flush=True)
    finally:
        open(p,'w').write(s)
json.dump(out, sys.stdout, indent=1)
