//! `workflow cost FILE`: transitions per execution (static, or exact from a run) and the
//! monthly price on STANDARD and on EXPRESS.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use workflow_core::plan::CompileOptions;
use workflow_core::transitions::{CountOptions, count, count_history};

use crate::render::{BOLD, GOOD};
use crate::run::{self, TaskArgs};
use crate::{Format, exit, input};

#[derive(clap::Args)]
pub struct Args {
    /// The ASL definition (JSON).
    file: PathBuf,
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
    /// Print the price table in force (as JSON) and exit.
    #[arg(long)]
    show_prices: bool,
    /// `human` or `json`.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// Every price the estimate uses, in USD: one table, overridable with `--prices FILE`.
/// Defaults: AWS Step Functions in us-east-1 as published on its pricing page.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
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
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
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

impl Prices {
    /// STANDARD's monthly price for `executions` of `transitions` each.
    pub fn standard(&self, executions: u64, transitions: u64) -> f64 {
        let total = executions.saturating_mul(transitions);
        let billed = total.saturating_sub(self.standard_free_transitions);
        billed as f64 * self.standard_per_1000_transitions / 1000.0
    }

    /// EXPRESS's monthly price: (requests, duration, billed GB-seconds).
    pub fn express(&self, executions: u64, memory_mb: u64, duration_ms: u64) -> (f64, f64, f64) {
        let requests = executions as f64 * self.express_per_million_requests / 1_000_000.0;
        let mstep = self.express_memory_step_mb.max(1);
        let dstep = self.express_duration_step_ms.max(1);
        let mb = memory_mb.max(1).div_ceil(mstep) * mstep;
        let ms = duration_ms.max(1).div_ceil(dstep) * dstep;
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
        (requests, duration, gb_seconds)
    }
}

/// `$1.90`; amounts under a cent keep four decimals.
pub fn money(usd: f64) -> String {
    if usd > 0.0 && usd < 0.01 {
        format!("${usd:.4}")
    } else {
        let cents = (usd * 100.0).round() as u64;
        let dollars = group(cents / 100);
        format!("${dollars}.{:02}", cents % 100)
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

/// `1,000,000`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn main(args: Args) -> anyhow::Result<u8> {
    let prices = match &args.prices {
        Some(path) => {
            let text = input::read(path)?;
            serde_json::from_str::<Prices>(&text)
                .with_context(|| format!("{} is not a price table", path.display()))?
        }
        None => Prices::default(),
    };
    let mut out = crate::output::stdout();
    if args.show_prices {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&prices)?);
        return Ok(exit::OK);
    }
    let (_, def) = input::definition(&args.file, &CompileOptions::default())?;
    let counted = count(
        def.machine(),
        &CountOptions {
            map_items: args.map_items,
        },
    );
    let ran = match &args.input {
        Some(i) => {
            let value = input::json_argument(i, "--input")?;
            Some(run::execute(&args.file, value, &args.tasks, false)?)
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
    let (req, dur, gbs) = prices.express(n, args.express_memory_mb, duration_ms);
    let express = req + dur;
    // The transitions priced: the run's when there is one, else the fewest and the most.
    let (low, high) = match run_transitions {
        Some(t) => (t, Some(t)),
        None => (counted.min, counted.max),
    };
    let standard_low = prices.standard(n, low);
    let standard_high = high.map(|h| prices.standard(n, h));
    let cheaper = |standard: f64| {
        if standard <= express {
            "STANDARD"
        } else {
            "EXPRESS"
        }
    };
    if args.format == Format::Json {
        let doc = json!({
            "file": args.file.display().to_string(),
            "executions_per_month": n,
            "transitions": {
                "min": counted.min,
                "max": counted.max,
                "run": run_transitions,
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
        args.file.display()
    );
    let _ = writeln!(
        out,
        "  static: {} at the fewest, {} at the most",
        group(counted.min),
        most(counted.max)
    );
    for p in counted.paths.iter().take(10) {
        let _ = writeln!(
            out,
            "    {:>5} .. {:<9} {} ({})",
            group(p.min),
            most(p.max),
            crate::render::short(&p.states.join(" → "), 90),
            p.ends_with
        );
    }
    if counted.paths.len() > 10 || counted.truncated {
        let _ = writeln!(out, "    ... and more paths");
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
        assert!((p.standard(10_000, 8) - 1.90).abs() < 1e-9);
        // (1,000 x 20 - 4,000) x $0.025 / 1,000 = $0.40
        assert!((p.standard(1_000, 20) - 0.40).abs() < 1e-9);
        assert_eq!(p.standard(100, 8), 0.0);
    }

    #[test]
    fn express_prices() {
        let p = Prices::default();
        // 1M executions of 64 MB for 150 ms: billed 200 ms. 1M x 0.0625 GB x 0.2 s = 12,500
        // GB-s, all in the first tier (3,600,000 GB-s).
        let (req, dur, gbs) = p.express(1_000_000, 64, 150);
        assert!((req - 1.0).abs() < 1e-9);
        assert!((gbs - 12_500.0).abs() < 1e-6);
        assert!((dur - 12_500.0 * 0.000_016_67).abs() < 1e-9);
        // 4,000,000 GB-s: 3,600,000 in the first tier, 400,000 in the second.
        let (_, dur, gbs) = p.express(1_000_000, 1024, 4_000);
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
        assert_eq!(group(1_000_000), "1,000,000");
        assert_eq!(group(999), "999");
    }

    #[test]
    fn partial_price_tables() {
        let p: Prices = serde_json::from_str(r#"{"standard_per_1000_transitions": 0.05}"#).unwrap();
        assert!((p.standard(10_000, 8) - 3.80).abs() < 1e-9);
        assert!(serde_json::from_str::<Prices>(r#"{"typo": 1}"#).is_err());
    }
}
