//! Sweep expansion: grid order, axis kinds, designs, and errors that name
//! the axis.

use openmarket_core::config::ModelConfig;
use openmarket_core::dynamics::rules::RuleConfig;
use openmarket_core::openness::Alpha0;
use openmarket_core::openness::{Market, Openness};
use openmarket_core::plan::{expand, run_seed};

const BASE: &str = r#"
[model]
family = "openness"
alpha0 = 0.2
r = 1.0
c0 = 1.0
c1 = 1.0
epsilon = 0.1
[model.regulation]
theta = 0.6
penalty = 0.05
[dynamics]
rule = "best_response"
[runs]
seeds_per_point = 3
master_seed = 7
"#;

fn alpha0(p: &openmarket_core::plan::Point) -> f64 {
    match &p.config.model {
        ModelConfig::Openness(Openness {
            market: Market::Pair(g),
            ..
        }) => match g.alpha0 {
            Alpha0::Exogenous(a) => a,
            Alpha0::Endogenous => f64::NAN,
        },
        _ => unreachable!(),
    }
}

#[test]
fn grid_is_the_cartesian_product_in_row_major_order() {
    let text = format!(
        "{BASE}\n[sweep]\n\"model.alpha0\" = {{ linspace = {{ start = 0.0, stop = 0.5, num = 6 }} }}\n\"dynamics.rule\" = {{ values = [\"best_response\", \"gradient\"] }}\n"
    );
    let plan = expand(&text, "x.toml").unwrap();
    assert_eq!(plan.axes, vec!["dynamics.rule", "model.alpha0"]);
    assert_eq!(plan.points.len(), 12);
    assert_eq!(plan.runs(), 36);
    assert_eq!((plan.seeds_per_point, plan.master_seed), (3, 7));
    // Last axis fastest: alpha0 cycles within each rule.
    let a: Vec<f64> = plan.points.iter().map(alpha0).collect();
    assert_eq!(&a[..6], &[0.0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    assert_eq!(&a[6..], &a[..6]);
    let rule = |k: usize| plan.points[k].config.dynamics.as_ref().unwrap().rule;
    assert!(matches!(rule(0), RuleConfig::BestResponse { .. }));
    assert!(matches!(rule(11), RuleConfig::Gradient { .. }));
}

#[test]
fn logspace_uses_base_ten_exponents() {
    let text = format!(
        "{BASE}\n[sweep]\n\"model.r\" = {{ logspace = {{ start = -1.0, stop = 1.0, num = 3 }} }}\n"
    );
    let plan = expand(&text, "x.toml").unwrap();
    let r: Vec<f64> = plan
        .points
        .iter()
        .map(|p| match &p.config.model {
            ModelConfig::Openness(Openness {
                market: Market::Pair(g),
                ..
            }) => g.r,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(r, vec![0.1, 1.0, 10.0]);
}

#[test]
fn latin_hypercube_puts_one_point_in_each_stratum() {
    let text = format!(
        "{BASE}\n[sweep.design]\nkind = \"latin_hypercube\"\nn = 20\nseed = 3\nranges = {{ \"model.c0\" = [1.0, 3.0], \"model.epsilon\" = [0.0, 0.2] }}\n"
    );
    let plan = expand(&text, "x.toml").unwrap();
    assert_eq!(plan.points.len(), 20);
    for (axis, lo, hi) in [(0, 1.0, 3.0), (1, 0.0, 0.2)] {
        let mut strata: Vec<usize> = plan
            .points
            .iter()
            .map(|p| {
                let v = p.params[axis].1.as_f64().unwrap();
                assert!((lo..hi).contains(&v));
                ((v - lo) / (hi - lo) * 20.0) as usize
            })
            .collect();
        strata.sort();
        assert_eq!(strata, (0..20).collect::<Vec<_>>());
    }
    assert_eq!(
        plan,
        expand(&text, "x.toml").unwrap(),
        "seeded: same design twice"
    );
}

#[test]
fn a_bad_axis_value_names_the_axis_and_the_field() {
    let text = format!("{BASE}\n[sweep]\n\"model.alpha0\" = {{ values = [0.1, -1.0] }}\n");
    let e = expand(&text, "configs/x.toml").unwrap_err();
    assert_eq!(
        e.to_string(),
        "configs/x.toml: sweep point 1 (model.alpha0 = -1.0): model.alpha0 = -1 is out of range [0, 1e12]"
    );
    let text = format!("{BASE}\n[sweep]\n\"model.alpah0\" = {{ values = [0.1] }}\n");
    let e = expand(&text, "x.toml").unwrap_err();
    assert!(
        e.to_string()
            .contains("model.alpah0 is not a known key; did you mean `alpha0`?"),
        "{e}"
    );
    let text = format!(
        "{BASE}\n[sweep]\n\"model.r\" = {{ linspace = {{ start = 0.0, stop = 1.0, num = 0 }} }}\n"
    );
    let e = expand(&text, "x.toml").unwrap_err();
    assert!(
        e.to_string()
            .contains("sweep.\"model.r\".linspace.num = 0 is out of range [1, 1000000]"),
        "{e}"
    );
}

#[test]
fn run_seeds_are_distinct() {
    let mut seen = std::collections::HashSet::new();
    for point in 0..100 {
        for rep in 0..10 {
            assert!(seen.insert(run_seed(42, point, rep)));
        }
    }
    assert_ne!(
        run_seed(42, 3, 1),
        run_seed(43, 3, 1),
        "the master seed matters"
    );
}

const RACE: &str = r#"
[model]
family = "race"
head_start = [10.0, 6.0, 3.0]
boost = [1.5, 1.8, 1.0]
[model.leakage]
preset = "proportional"
beta = 0.25
[dynamics]
rule = "best_response"
"#;

#[test]
fn a_numeric_path_part_indexes_a_list() {
    let text = format!(
        "{RACE}\n[runs]\nseeds_per_point = 1\n[sweep]\n\"model.head_start.2\" = {{ values = [1.0, 8.0] }}\n"
    );
    let plan = expand(&text, "x.toml").unwrap();
    let heads: Vec<Vec<f64>> = plan
        .points
        .iter()
        .map(|p| match &p.config.model {
            ModelConfig::Race(g) => g.head_start.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(heads, vec![vec![10.0, 6.0, 1.0], vec![10.0, 6.0, 8.0]]);
    let text = format!("{RACE}\n[sweep]\n\"model.head_start.3\" = {{ values = [1.0] }}\n");
    let e = expand(&text, "x.toml").unwrap_err().to_string();
    assert!(
        e.contains("index 3 is out of range: the list has 3 elements"),
        "{e}"
    );
}

/// Indent a single-model config into a `[[study]]` section.
fn study(name: &str, body: &str) -> String {
    let mut s = format!("\n[[study]]\nname = \"{name}\"\n");
    for line in body.lines() {
        match line.strip_prefix('[') {
            Some(rest) if !line.starts_with("[runs]") => s += &format!("[study.{rest}\n"),
            _ => s += &format!("{line}\n"),
        }
    }
    s
}

#[test]
fn studies_concatenate_into_one_plan() {
    let openness = BASE.replace("[runs]\nseeds_per_point = 3\nmaster_seed = 7\n", "")
        + "[sweep]\n\"model.alpha0\" = { values = [0.1, 0.2, 0.3] }\n";
    let race = RACE.to_string() + "[sweep]\n\"model.head_start.2\" = { values = [1.0, 8.0] }\n";
    let text = format!(
        "[runs]\nseeds_per_point = 2\nmaster_seed = 5\n{}{}",
        study("open", &openness),
        study("race", &race)
    );
    let plan = expand(&text, "q.toml").unwrap();
    assert_eq!(plan.studies, vec!["open", "race"]);
    assert_eq!(plan.axes, vec!["model.alpha0", "model.head_start.2"]);
    assert_eq!(plan.points.len(), 5);
    assert_eq!(plan.runs(), 10);
    for (k, p) in plan.points.iter().enumerate() {
        assert_eq!(p.index, k);
        assert_eq!(p.study, Some(usize::from(k >= 3)));
        assert_eq!(p.config.runs.seeds_per_point, 2);
    }
    assert_eq!(
        plan.points[1].param("model.alpha0").unwrap().as_f64(),
        Some(0.2)
    );
    assert!(plan.points[1].param("model.head_start.2").is_none());
    assert!(plan.points[4].param("model.alpha0").is_none());

    // Errors name the study.
    let bad = text.replace(
        "head_start.2\" = { values = [1.0, 8.0]",
        "head_start.2\" = { values = [-1.0]",
    );
    let e = expand(&bad, "q.toml").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("q.toml: study \"race\": sweep point 0"),
        "{e}"
    );
    let e = expand(&format!("{text}\n[model]\nfamily = \"race\"\n"), "q.toml").unwrap_err();
    assert!(
        e.to_string().contains("model cannot sit beside [[study]]"),
        "{e}"
    );
    let dup = text.replace("name = \"race\"", "name = \"open\"");
    let e = expand(&dup, "q.toml").unwrap_err();
    assert!(
        e.to_string()
            .contains("study[1].name = \"open\" is used by an earlier study"),
        "{e}"
    );
}

#[test]
fn sizes_never_wrap_and_are_counted_before_anything_is_built() {
    // 20 axes of 10,000 values each: 10^80 points, far past u64.
    let mut text = format!("{BASE}\n[sweep]\n");
    for k in 0..20 {
        text.push_str(&format!(
            "\"model.epsilon{k}\" = {{ linspace = {{ start = 0.0, stop = 1.0, num = 10000 }} }}\n"
        ));
    }
    let e = expand(&text, "x.toml").unwrap_err();
    assert!(
        e.to_string().contains("has more than 1000000 points"),
        "{e}"
    );
    assert_eq!(
        openmarket_core::plan::count(&text).map(|(p, _)| p),
        Some(u64::MAX)
    );
    // A design's n is checked before its rows are allocated.
    let text = format!(
        "{BASE}\n[sweep.design]\nkind = \"uniform\"\nn = 1000000000\nranges = {{ \"model.r\" = [0.5, 2.0] }}\n"
    );
    let e = expand(&text, "x.toml").unwrap_err();
    assert!(
        e.to_string()
            .contains("sweep.design.n = 1000000000 is out of range [1, 1000000]"),
        "{e}"
    );
    // Seeds near 2^62 do not wrap the run count.
    let text = format!(
        "{}\n[sweep]\n\"model.r\" = {{ values = [1.0, 2.0, 3.0, 4.0, 5.0] }}\n",
        BASE.replace(
            "seeds_per_point = 3",
            "seeds_per_point = 4611686018427387904"
        )
    );
    assert_eq!(
        openmarket_core::plan::count(&text),
        Some((5, 4611686018427387904))
    );
    let e = expand(&text, "x.toml").unwrap_err();
    assert!(
        e.to_string()
            .contains("runs.seeds_per_point = 4611686018427387904 is out of range [1, 1000000]"),
        "{e}"
    );
}
