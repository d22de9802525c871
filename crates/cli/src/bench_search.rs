//! `wasel bench search`: contacts search on a large book of invented families. The guardians and
//! their search words are written in batches (the words by the core's own `domain::search::terms`),
//! then names are searched as desks type them — without hamza, with diacritics, ة as ه, a prefix,
//! two words — and the latency of each search is measured. The baseline, same run and database: the
//! stored first name looked up with `LIKE '%…%'`, ordered and paged the same way (a scan, which
//! could not find the variants at all).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use uuid::Uuid;
use wasel_core::api::SYSTEM;
use wasel_core::domain::search::terms;
use wasel_core::store::{Db, now};
use wasel_core::{Result, on_db};

use crate::bench::{BenchOptions, drop_target, open, percentile, still_simulators, target};

const FIRST: &[&str] = &[
    "أحمد",
    "محمد",
    "عبدالله",
    "فهد",
    "خالد",
    "سعود",
    "فيصل",
    "عمر",
    "يوسف",
    "إبراهيم",
    "نورة",
    "فاطمة",
    "عائشة",
    "مريم",
    "سارة",
    "هيفاء",
    "منى",
    "أسماء",
    "إيمان",
    "رقية",
    "لمى",
    "ريم",
    "هدى",
    "أمل",
    "يحيى",
    "مصطفى",
];
const FAMILY: &[&str] = &[
    "الشهري",
    "العتيبي",
    "القحطاني",
    "الدوسري",
    "الغامدي",
    "الزهراني",
    "المطيري",
    "الحربي",
    "العنزي",
    "الشمري",
    "السبيعي",
    "البقمي",
    "الأحمدي",
    "آل سعيد",
    "المالكي",
    "الجهني",
    "الرشيدي",
    "العمري",
    "الثبيتي",
    "الأسمري",
];

#[derive(Debug, Clone, Serialize)]
pub struct SearchBenchReport {
    pub bench: &'static str,
    pub backend: String,
    pub guardians: usize,
    pub searches: usize,
    pub load_s: f64,
    pub search_p50_ms: f64,
    pub search_p99_ms: f64,
    pub found_ratio: f64,
    /// `LIKE '%first word%'` on the stored names, ordered and paged the same: what a scan finds
    /// (only the stored spelling of one word; none of the variants).
    pub like_p50_ms: f64,
    pub like_p99_ms: f64,
    pub p99_vs_like: f64,
    pub build: &'static str,
}

/// How desks type a name: the stored spelling changed the ways people change it.
fn variant(name: &str, i: usize) -> String {
    match i % 5 {
        0 => name.replace(['أ', 'إ', 'آ'], "ا"),
        1 => name.chars().flat_map(|c| [c, '\u{064E}']).collect(),
        2 => name.replace('ة', "ه").replace('ى', "ي"),
        3 => name.split(' ').next().unwrap_or(name).chars().take(3).collect(),
        // The family name without its article: "الشهري" typed as "شهري".
        _ => name.split(' ').map(|w| w.strip_prefix("ال").unwrap_or(w)).collect::<Vec<_>>().join(" "),
    }
}

pub async fn search(
    backend: String,
    postgres_url: Option<String>,
    guardians: usize,
    searches: usize,
) -> Result<SearchBenchReport> {
    let sim = still_simulators().await?;
    let opts = BenchOptions { backend: backend.clone(), postgres_url, messages: 0, workers: 1, latency_messages: 0 };
    let t = target(&opts).await?;
    let result = run(&backend, &t.url, &sim.base_url(), guardians.max(1), searches.max(1)).await;
    sim.shutdown().await;
    drop_target(t).await;
    result
}

async fn load(db: &Db, n: usize) -> Result<Vec<String>> {
    const BATCH: usize = 500;
    let mut names = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let mut tx = db.begin().await?;
        for _ in 0..BATCH.min(n - i) {
            // First name, father's name, family: 13,520 distinct names over the book, as in a city
            // where a few first names are very common.
            let name = format!(
                "{} {} {}",
                FIRST[i % FIRST.len()],
                FIRST[(i / FIRST.len()) % FIRST.len()],
                FAMILY[(i / (FIRST.len() * FIRST.len())) % FAMILY.len()]
            );
            let child = format!("{} {}", FIRST[(i * 7 + 3) % FIRST.len()], i);
            let (b, g) = (Uuid::now_v7(), Uuid::now_v7());
            let phone = format!("+96655{:07}", i % 10_000_000);
            wasel_core::on_tx!(&mut tx, t => {
                sqlx::query("INSERT INTO beneficiaries (id, full_name, created_at) VALUES ($1, $2, $3)")
                    .bind(b).bind(&child).bind(now()).execute(&mut **t).await?;
                sqlx::query("INSERT INTO guardians (id, beneficiary_id, full_name, phone_e164, preferred_language, created_at, updated_at) VALUES ($1, $2, $3, $4, 'ar', $5, $5)")
                    .bind(g).bind(b).bind(&name).bind(&phone).bind(now()).execute(&mut **t).await?;
                for term in terms(&name).into_iter().chain(terms(&child)) {
                    sqlx::query("INSERT INTO contact_terms (term, guardian_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(term).bind(g).execute(&mut **t).await?;
                }
            });
            names.push(name);
            i += 1;
        }
        tx.commit().await?;
    }
    Ok(names)
}

async fn run(backend: &str, url: &str, sandbox_url: &str, n: usize, searches: usize) -> Result<SearchBenchReport> {
    let wasel = Arc::new(open(url, sandbox_url).await?);
    let started = Instant::now();
    let names = load(wasel.db(), n).await?;
    if let wasel_core::store::Db::Postgres(p) = wasel.db() {
        sqlx::query("ANALYZE").execute(p).await?;
    }
    let load_s = started.elapsed().as_secs_f64();
    let contacts = wasel.contacts(&SYSTEM);
    // One search first: the phone-number metadata loads once per process, not per search.
    contacts.search("0555000000", Some(1)).await?;
    let (mut lat, mut scan, mut found) = (Vec::new(), Vec::new(), 0usize);
    for s in 0..searches {
        let name = &names[(s * 7919) % names.len()];
        let query = variant(name, s);
        let t0 = Instant::now();
        let hits = contacts.search(&query, Some(50)).await?;
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        found += usize::from(!hits.is_empty());
        // The baseline: the stored spelling (a scan cannot fold), the same order and page.
        let like = format!("%{}%", name.split(' ').next().unwrap_or(name));
        let t0 = Instant::now();
        let _rows: Vec<(Uuid,)> = on_db!(wasel.db(), p => sqlx::query_as(
            "SELECT id FROM guardians WHERE full_name LIKE $1 ORDER BY full_name LIMIT 50").bind(&like).fetch_all(p).await?);
        scan.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(f64::total_cmp);
    scan.sort_by(f64::total_cmp);
    let (p99, scan_p99) = (percentile(&lat, 0.99), percentile(&scan, 0.99));
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(SearchBenchReport {
        bench: "search",
        backend: backend.to_owned(),
        guardians: n,
        searches,
        load_s: (load_s * 10.0).round() / 10.0,
        search_p50_ms: percentile(&lat, 0.50),
        search_p99_ms: p99,
        found_ratio: (found as f64 / searches as f64 * 1000.0).round() / 1000.0,
        like_p50_ms: percentile(&scan, 0.50),
        like_p99_ms: scan_p99,
        p99_vs_like: if scan_p99 > 0.0 { (p99 / scan_p99 * 1000.0).round() / 1000.0 } else { 0.0 },
        build: if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}
