//! `workflow cost FILE`: transitions per execution (static, or exact from a run) and the
//! monthly price on STANDARD and on EXPRESS.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};
use workflow_core::plan::CompileOptions;
use workflow_core::transitions::{CountOptions, count, count_history};

use crate::render::{BOLD, GOOD, group, group_digits};
use crate::run::{self, TaskArgs};
use crate::{Format, exit, input};

#[derive(clap::Args)]
pub struct Args {
    /// The ASL definition (JSON); not needed with --show-prices.
    #[arg(required_unless_present = "show_prices")]
    file: Option<PathBuf>,
    /// Executions per month.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    executions_per_month: u64,
    /// Run the definition with this input (JSON, `@file` or `-`) and price the transitions
    /// it actually made; bind its tasks with --mock-config or --bind.
    #[arg(long)]
    input: Option<String>,
    #[command(flatten)]
    tasks: TaskArgs,
    /// Assume Maps iterate this many items when the definition does not say (for the most).
    #[arg(long, value_name = "N")]
    map_items: Option<u64>,
    /// EXPRESS: memory the execution uses, in MB (billed in 64-MB steps).
    #[arg(long, default_value_t = 64, value_name = "MB")]
    express_memory_mb: u64,
    /// EXPRESS: how long an execution lasts, in ms (billed in 100-ms steps). Default: the
    /// run's recorded duration with --input, else 1000.
    #[arg(long, value_name = "MS")]
    express_duration_ms: Option<u64>,
    /// A JSON file overriding some or all prices (see `--show-prices`).
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
    /// Print the price table in force (as JSON: the built-in one, or with --prices FILE
    /// applied) and exit.
    #[arg(long)]
    show_prices: bool,
    /// `human` or `json`.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// Every price the estimate uses, in USD: one table, overridable with `--prices FILE`
/// ([`Prices::from_json`]). Defaults: AWS Step Functions in us-east-1 as published on its
/// pricing page.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Prices {
    /// STANDARD: transitions free each month.
    pub standard_free_transitions: u64,
    /// STANDARD: price of 1,000 transitions past the free tier.
    pub standard_per_1000_transitions: f64,
    /// EXPRESS: price of one million requests (executions).
    pub express_per_million_requests: f64,
    /// EXPRESS: duration price tiers, by GB-hours per month.
    pub express_duration_tiers: Vec<Tier>,
    /// EXPRESS: memory is billed in steps of this many MB.
    pub express_memory_step_mb: u64,
    /// EXPRESS: duration is billed in steps of this many ms.
    pub express_duration_step_ms: u64,
}

/// One tier of the EXPRESS duration price.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Tier {
    /// The tier covers GB-hours up to this many in the month (`null`: all the rest).
    pub up_to_gb_hours: Option<f64>,
    /// Price of one GB-second in this tier.
    pub per_gb_second: f64,
}

impl Default for Prices {
    fn default() -> Self {
        Prices {
            standard_free_transitions: 4_000,
            standard_per_1000_transitions: 0.025,
            express_per_million_requests: 1.00,
            express_duration_tiers: vec![
                Tier {
                    up_to_gb_hours: Some(1_000.0),
                    per_gb_second: 0.000_016_67,
                },
                Tier {
                    up_to_gb_hours: Some(5_000.0),
                    per_gb_second: 0.000_008_33,
                },
                Tier {
                    up_to_gb_hours: None,
                    per_gb_second: 0.000_004_56,
                },
            ],
            express_memory_step_mb: 64,
            express_duration_step_ms: 100,
        }
    }
}

/// The fields of a price file, as `--show-prices` prints them.
const PRICE_FIELDS: &[&str] = &[
    "standard_free_transitions",
    "standard_per_1000_transitions",
    "express_per_million_requests",
    "express_duration_tiers",
    "express_memory_step_mb",
    "express_duration_step_ms",
];

impl Prices {
    /// A price table from a JSON object that overrides some or all of the defaults. Every
    /// price must be a number of at least 0, every step a whole number of at least 1, and the
    /// duration tiers must rise and end with an open one (`"up_to_gb_hours": null`); an error
    /// names the field at fault.
    pub fn from_json(text: &str) -> Result<Prices, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Object(fields) = value else {
            return Err(format!(
                "it is a JSON {}, not an object of prices",
                crate::input::json_kind(&value)
            ));
        };
        let mut prices = Prices::default();
        for (field, v) in &fields {
            match field.as_str() {
                "standard_free_transitions" => {
                    prices.standard_free_transitions = whole(field, v, 0)?
                }
                "standard_per_1000_transitions" => {
                    prices.standard_per_1000_transitions = amount(field, v)?
                }
                "express_per_million_requests" => {
                    prices.express_per_million_requests = amount(field, v)?
                }
                "express_duration_tiers" => prices.express_duration_tiers = tiers(field, v)?,
                "express_memory_step_mb" => prices.express_memory_step_mb = whole(field, v, 1)?,
                "express_duration_step_ms" => prices.express_duration_step_ms = whole(field, v, 1)?,
                other => {
                    return Err(format!(
                        "unknown field '{}'; the fields are {}",
                        crate::render::short(other, 80),
                        PRICE_FIELDS.join(", ")
                    ));
                }
            }
        }
        Ok(prices)
    }

    /// STANDARD's monthly price for `executions` of `transitions` each.
    pub fn standard(&self, executions: u64, transitions: u64) -> anyhow::Result<f64> {
        let Some(total) = executions.checked_mul(transitions) else {
            bail!(
                "{} executions of {} transitions each is more transitions than 64 bits can count",
                group(executions),
                group(transitions)
            );
        };
        let billed = total.saturating_sub(self.standard_free_transitions);
        finite(
            billed as f64 * self.standard_per_1000_transitions / 1000.0,
            "the STANDARD price",
        )
    }

    /// EXPRESS's monthly price: (requests, duration, billed GB-seconds).
    pub fn express(
        &self,
        executions: u64,
        memory_mb: u64,
        duration_ms: u64,
    ) -> anyhow::Result<(f64, f64, f64)> {
        let requests = executions as f64 * self.express_per_million_requests / 1_000_000.0;
        let billed = |value: u64, step: u64, what: &str| {
            let step = step.max(1);
            value
                .max(1)
                .div_ceil(step)
                .checked_mul(step)
                .with_context(|| {
                    format!("{what} {value}, billed in steps of {step}, does not fit in 64 bits")
                })
        };
        let mb = billed(
            memory_mb,
            self.express_memory_step_mb,
            "--express-memory-mb",
        )?;
        let ms = billed(
            duration_ms,
            self.express_duration_step_ms,
            "the duration (ms)",
        )?;
        let gb_seconds = executions as f64 * (mb as f64 / 1024.0) * (ms as f64 / 1000.0);
        let mut left = gb_seconds;
        let mut below = 0.0;
        let mut duration = 0.0;
        for tier in &self.express_duration_tiers {
            if left <= 0.0 {
                break;
            }
            let cap = tier
                .up_to_gb_hours
                .map_or(f64::INFINITY, |h| (h * 3600.0 - below).max(0.0));
            let here = left.min(cap);
            duration += here * tier.per_gb_second;
            left -= here;
            below += here;
        }
        Ok((
            finite(requests, "the EXPRESS request price")?,
            finite(duration, "the EXPRESS duration price")?,
            gb_seconds,
        ))
    }
}

/// `value`, or an error when it is too large for a floating-point number.
fn finite(value: f64, what: &str) -> anyhow::Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        bail!("{what} is too large to compute")
    }
}

/// A price: a number of at least 0.
fn amount(field: &str, v: &Value) -> Result<f64, String> {
    match v.as_f64() {
        Some(x) if x >= 0.0 && x.is_finite() => Ok(x),
        _ => Err(format!(
            "{field} must be a number of at least 0, not {}",
            shown(v)
        )),
    }
}

/// A count or a step: a whole number of at least `least`.
fn whole(field: &str, v: &Value, least: u64) -> Result<u64, String> {
    match v.as_u64() {
        Some(n) if n >= least => Ok(n),
        _ => Err(format!(
            "{field} must be a whole number of at least {least}, not {}",
            shown(v)
        )),
    }
}

/// The EXPRESS duration tiers: objects of `up_to_gb_hours` (rising, the last one `null`)
/// and `per_gb_second`.
fn tiers(field: &str, v: &Value) -> Result<Vec<Tier>, String> {
    let Some(list) = v.as_array().filter(|l| !l.is_empty()) else {
        return Err(format!(
            "{field} must be a list of at least one tier, not {}",
            shown(v)
        ));
    };
    let mut out: Vec<Tier> = Vec::with_capacity(list.len());
    for (i, tier) in list.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let Some(tier) = tier.as_object() else {
            return Err(format!(
                "{at} must be an object with up_to_gb_hours and per_gb_second, not {}",
                shown(tier)
            ));
        };
        if let Some(other) = tier
            .keys()
            .find(|k| !["up_to_gb_hours", "per_gb_second"].contains(&k.as_str()))
        {
            return Err(format!(
                "{at}: unknown field '{}'; a tier has up_to_gb_hours and per_gb_second",
                crate::render::short(other, 80)
            ));
        }
        let per_gb_second = match tier.get("per_gb_second") {
            Some(p) => amount(&format!("{at}.per_gb_second"), p)?,
            None => return Err(format!("{at}.per_gb_second is missing")),
        };
        let up_to_gb_hours = match tier.get("up_to_gb_hours") {
            None | Some(Value::Null) => None,
            Some(h) => Some(amount(&format!("{at}.up_to_gb_hours"), h)?),
        };
        let last = i + 1 == list.len();
        match (up_to_gb_hours, last) {
            (None, false) => {
                return Err(format!(
                    "{at}.up_to_gb_hours is null, which only the last tier may be"
                ));
            }
            (Some(h), true) => {
                return Err(format!(
                    "{at}.up_to_gb_hours must be null: the last tier covers all the rest, not only up to {h}"
                ));
            }
            _ => {}
        }
        if let (Some(h), Some(previous)) = (
            up_to_gb_hours,
            out.last().and_then(|t: &Tier| t.up_to_gb_hours),
        ) && h <= previous
        {
            return Err(format!(
                "{at}.up_to_gb_hours must be more than the tier before's {previous}, not {h}"
            ));
        }
        out.push(Tier {
            up_to_gb_hours,
            per_gb_second,
        });
    }
    Ok(out)
}

/// A JSON value, short, for a message.
fn shown(v: &Value) -> String {
    crate::render::short(&v.to_string(), 40)
}

/// `$1.90`; amounts under a cent keep four decimals.
pub fn money(usd: f64) -> String {
    if usd > 0.0 && usd < 0.01 {
        format!("${usd:.4}")
    } else {
        // Formatted, not cast to an integer: a cast would saturate past 2^64 cents.
        let text = format!("{usd:.2}");
        let (dollars, cents) = text.split_once('.').unwrap_or((&text, "00"));
        format!("${}.{cents}", group_digits(dollars))
    }
}

/// A unit price with the decimals it has: `$0.025`.
pub fn price(usd: f64) -> String {
    let s = format!("{usd:.8}");
    let s = s.trim_end_matches('0');
    let s = if s.ends_with('.') {
        format!("{s}00")
    } else {
        s.to_string()
    };
    format!("${s}")
}

/// The paths `cost` shows in human output.
const PATHS_SHOWN: usize = 10;

pub fn main(args: Args) -> anyhow::Result<u8> {
    let prices = match &args.prices {
        Some(path) => {
            let text = input::read(path)?;
            Prices::from_json(&text)
                .map_err(|why| anyhow::anyhow!("{} is not a price table: {why}", path.display()))?
        }
        None => Prices::default(),
    };
    let mut out = crate::output::stdout();
    if args.show_prices {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&prices)?);
        return Ok(exit::OK);
    }
    // clap requires FILE without --show-prices.
    let Some(file) = &args.file else {
        bail!("a definition FILE is needed");
    };
    let (_, def) = input::definition(file, &CompileOptions::default())?;
    let counted = count(
        def.machine(),
        &CountOptions {
            map_items: args.map_items,
        },
    );
    if counted.saturated() {
        bail!(
            "the most transitions of one execution of {} is more than 64 bits can count: Retry attempts and Map items multiply{}",
            file.display(),
            args.map_items
                .map_or(String::new(), |n| format!(" (--map-items {n})"))
        );
    }
    let ran = match &args.input {
        Some(i) => {
            let value = input::json_argument(i, "--input")?;
            Some(run::execute(file, value, &args.tasks, false)?)
        }
        None => None,
    };
    let run_transitions = ran
        .as_ref()
        .map(|r| count_history(r.history.iter().map(|e| e.event_type.as_str())));
    let run_duration_ms = ran.as_ref().and_then(|r| {
        let first = r.history.first()?.timestamp;
        let last = r.history.last()?.timestamp;
        Some((last - first).max(0) as u64)
    });
    let duration_ms = args.express_duration_ms.or(run_duration_ms).unwrap_or(1000);
    let n = args.executions_per_month;
    let (req, dur, gbs) = prices.express(n, args.express_memory_mb, duration_ms)?;
    let express = req + dur;
    // The transitions priced: the run's when there is one, else the fewest and the most.
    let (low, high) = match run_transitions {
        Some(t) => (t, Some(t)),
        None => (counted.min, counted.max),
    };
    let standard_low = prices.standard(n, low)?;
    let standard_high = high.map(|h| prices.standard(n, h)).transpose()?;
    let cheaper = |standard: f64| {
        if standard <= express {
            "STANDARD"
        } else {
            "EXPRESS"
        }
    };
    if args.format == Format::Json {
        let doc = json!({
            "file": file.display().to_string(),
            "executions_per_month": n,
            "transitions": {
                "min": counted.min,
                "max": counted.max,
                "run": run_transitions,
                "path_count": counted.path_count,
                "paths_truncated": counted.truncated,
                "paths": counted.paths.iter().map(|p| json!({
                    "states": p.states, "ends_with": p.ends_with, "min": p.min, "max": p.max
                })).collect::<Vec<_>>(),
            },
            "standard": {
                "transitions_per_execution": low,
                "monthly_usd": standard_low,
                "monthly_usd_at_most": standard_high,
            },
            "express": {
                "memory_mb": args.express_memory_mb,
                "duration_ms": duration_ms,
                "gb_seconds": gbs,
                "requests_usd": req,
                "duration_usd": dur,
                "monthly_usd": express,
            },
            "cheaper": cheaper(standard_low),
            "prices": prices,
        });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc)?);
        return Ok(exit::OK);
    }
    let most = |m: Option<u64>| m.map_or("unbounded".to_string(), group);
    let _ = writeln!(
        out,
        "{BOLD}transitions per execution{BOLD:#} ({})",
        file.display()
    );
    let _ = writeln!(
        out,
        "  static: {} at the fewest, {} at the most",
        group(counted.min),
        most(counted.max)
    );
    for p in counted.paths.iter().take(PATHS_SHOWN) {
        let _ = writeln!(
            out,
            "    {:>5} .. {:<9} {} ({})",
            group(p.min),
            most(p.max),
            crate::render::short(&p.states.join(" → "), 90),
            p.ends_with
        );
    }
    let shown = counted.paths.len().min(PATHS_SHOWN) as u64;
    match counted.path_count {
        Some(u64::MAX) => {
            // Saturated: at least that many.
            let _ = writeln!(out, "    ... and {} or more paths", group(u64::MAX - shown));
        }
        Some(n) if n > shown => {
            let more = n - shown;
            let _ = writeln!(
                out,
                "    ... and {} more path{}",
                group(more),
                if more == 1 { "" } else { "s" }
            );
        }
        Some(_) => {}
        None => {
            let _ = writeln!(
                out,
                "    ... perhaps more paths (with loops, the search stops after {} steps)",
                group(workflow_core::transitions::MAX_WALK_STEPS)
            );
        }
    }
    if let Some(t) = run_transitions {
        let status = ran.as_ref().map(|r| r.status.as_str()).unwrap_or("");
        let _ = writeln!(out, "  this run: {} ({status})", group(t));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{BOLD}monthly, {} executions{BOLD:#}", group(n));
    let standard_text = match (run_transitions, standard_high) {
        (Some(_), _) => money(standard_low),
        (None, Some(h)) if (h - standard_low).abs() < 1e-12 => money(standard_low),
        (None, Some(h)) => format!("{} to {}", money(standard_low), money(h)),
        (None, None) => format!("{} or more", money(standard_low)),
    };
    let _ = writeln!(
        out,
        "  STANDARD  {standard_text}  ({} transitions each; {} free, then {} per 1,000)",
        if run_transitions.is_some() || high == Some(low) {
            group(low)
        } else {
            format!("{} to {}", group(low), most(high))
        },
        group(prices.standard_free_transitions),
        price(prices.standard_per_1000_transitions)
    );
    let _ = writeln!(
        out,
        "  EXPRESS   {}  ({} requests + {} for {:.1} GB-s: {} MB for {} ms each)",
        money(express),
        money(req),
        money(dur),
        gbs,
        args.express_memory_mb,
        duration_ms
    );
    let verdict = match standard_high {
        Some(h) if cheaper(h) != cheaper(standard_low) => format!(
            "{} at the fewest transitions, {} at the most",
            cheaper(standard_low),
            cheaper(h)
        ),
        None if cheaper(standard_low) == "STANDARD" => {
            "STANDARD at the fewest transitions; the most is unbounded".to_string()
        }
        _ => cheaper(standard_low).to_string(),
    };
    let _ = writeln!(out, "  {GOOD}cheaper{GOOD:#}: {verdict}");
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_prices() {
        let p = Prices::default();
        // (10,000 x 8 - 4,000) x $0.025 / 1,000 = $1.90
        assert!((p.standard(10_000, 8).unwrap() - 1.90).abs() < 1e-9);
        // (1,000 x 20 - 4,000) x $0.025 / 1,000 = $0.40
        assert!((p.standard(1_000, 20).unwrap() - 0.40).abs() < 1e-9);
        assert_eq!(p.standard(100, 8).unwrap(), 0.0);
    }

    #[test]
    fn express_prices() {
        let p = Prices::default();
        // 1M executions of 64 MB for 150 ms: billed 200 ms. 1M x 0.0625 GB x 0.2 s = 12,500
        // GB-s, all in the first tier (3,600,000 GB-s).
        let (req, dur, gbs) = p.express(1_000_000, 64, 150).unwrap();
        assert!((req - 1.0).abs() < 1e-9);
        assert!((gbs - 12_500.0).abs() < 1e-6);
        assert!((dur - 12_500.0 * 0.000_016_67).abs() < 1e-9);
        // 4,000,000 GB-s: 3,600,000 in the first tier, 400,000 in the second.
        let (_, dur, gbs) = p.express(1_000_000, 1024, 4_000).unwrap();
        assert!((gbs - 4_000_000.0).abs() < 1e-6);
        assert!((dur - (3_600_000.0 * 0.000_016_67 + 400_000.0 * 0.000_008_33)).abs() < 1e-6);
    }

    #[test]
    fn money_and_groups() {
        assert_eq!(money(1.9), "$1.90");
        assert_eq!(money(0.4), "$0.40");
        assert_eq!(money(1234.5), "$1,234.50");
        assert_eq!(money(0.0012), "$0.0012");
        assert_eq!(money(0.0), "$0.00");
        // Past 2^64 cents the amount is still written out, not saturated.
        assert_eq!(money(1e18), "$1,000,000,000,000,000,000.00");
        assert_eq!(group(1_000_000), "1,000,000");
        assert_eq!(group(999), "999");
    }

    #[test]
    fn partial_price_tables() {
        let p = Prices::from_json(r#"{"standard_per_1000_transitions": 0.05}"#).unwrap();
        assert!((p.standard(10_000, 8).unwrap() - 3.80).abs() < 1e-9);
        assert_eq!(
            p.express_duration_tiers,
            Prices::default().express_duration_tiers
        );
        // Every field of the table, as --show-prices prints it, reads back as itself.
        let shown = serde_json::to_string(&Prices::default()).unwrap();
        assert_eq!(Prices::from_json(&shown).unwrap(), Prices::default());
    }

    #[test]
    fn bad_price_tables_name_the_field() {
        let error = |text: &str| Prices::from_json(text).unwrap_err();
        assert!(
            error(r#"{"typo": 1}"#)
                .starts_with("unknown field 'typo'; the fields are standard_free_transitions,")
        );
        assert_eq!(error("[]"), "it is a JSON array, not an object of prices");
        assert_eq!(
            error(r#"{"standard_per_1000_transitions": -0.025}"#),
            "standard_per_1000_transitions must be a number of at least 0, not -0.025"
        );
        assert_eq!(
            error(r#"{"express_per_million_requests": "1"}"#),
            r#"express_per_million_requests must be a number of at least 0, not "1""#
        );
        assert_eq!(
            error(r#"{"standard_free_transitions": -1}"#),
            "standard_free_transitions must be a whole number of at least 0, not -1"
        );
        assert_eq!(
            error(r#"{"express_memory_step_mb": 0}"#),
            "express_memory_step_mb must be a whole number of at least 1, not 0"
        );
        assert_eq!(
            error(r#"{"express_duration_tiers": []}"#),
            "express_duration_tiers must be a list of at least one tier, not []"
        );
        assert_eq!(
            error(r#"{"express_duration_tiers": [{"up_to_gb_hours": 10, "per_gb_second": -1}]}"#),
            "express_duration_tiers[0].per_gb_second must be a number of at least 0, not -1"
        );
        assert_eq!(
            error(
                r#"{"express_duration_tiers": [{"up_to_gb_hours": null, "per_gb_second": 1}, {"per_gb_second": 1}]}"#
            ),
            "express_duration_tiers[0].up_to_gb_hours is null, which only the last tier may be"
        );
        assert_eq!(
            error(
                r#"{"express_duration_tiers": [{"up_to_gb_hours": 5, "per_gb_second": 1}, {"up_to_gb_hours": 5, "per_gb_second": 1}, {"up_to_gb_hours": null, "per_gb_second": 1}]}"#
            ),
            "express_duration_tiers[1].up_to_gb_hours must be more than the tier before's 5, not 5"
        );
        assert_eq!(
            error(r#"{"express_duration_tiers": [{"up_to_gb_hours": 5, "per_gb_second": 1}]}"#),
            "express_duration_tiers[0].up_to_gb_hours must be null: the last tier covers all the rest, not only up to 5"
        );
        assert!(
            error(r#"{"express_duration_tiers": [{"per_gb_second": 1, "cost": 2}]}"#)
                .contains("unknown field 'cost'")
        );
    }

    #[test]
    fn arithmetic_that_does_not_fit_is_an_error() {
        let p = Prices::default();
        // 2^64 - 1 executions of 2 transitions: no u64 holds the total.
        assert!(p.standard(u64::MAX, 2).is_err());
        assert!(p.standard(u64::MAX, 1).is_ok());
        // 2^64 - 1 MB rounds up to the next 64-MB step: past 2^64.
        let e = p.express(1, u64::MAX, 100).unwrap_err().to_string();
        assert!(
            e.starts_with("--express-memory-mb 18446744073709551615, billed in steps of 64,"),
            "{e}"
        );
        assert!(p.express(1, u64::MAX - 63, 100).is_ok());
        // A price so high that the month's total is past the largest float.
        let dear = Prices {
            standard_per_1000_transitions: f64::MAX,
            ..Prices::default()
        };
        assert!(dear.standard(1_000_000, 10).is_err());
    }
}
