//! `leadline segment …` and `leadline export`: saved segments with live counts, and CSV
//! exports of the leads a segment matches.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use leadline_core::export::csv_safe;
use leadline_store::Store;
use leadline_store::saved_segments::parse_expression;

#[derive(clap::Subcommand)]
pub enum SegmentCommand {
    /// List saved segments with the leads each matches now.
    List,
    /// Count the leads an expression (or a saved segment's name) matches now.
    Count { segment: String },
    /// Save a segment.
    Save {
        name: String,
        expression: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Delete a saved segment.
    Delete { name: String },
}

/// The expression of a saved segment named `text`, or `text` itself.
async fn expression_of(store: &Store, text: &str) -> anyhow::Result<String> {
    match store.segment(text).await {
        Ok(s) => Ok(s.expression),
        Err(leadline_store::StoreError::NotFound) => Ok(text.to_owned()),
        Err(e) => Err(e.into()),
    }
}

pub async fn segment(store: Store, cmd: SegmentCommand) -> anyhow::Result<ExitCode> {
    let now = leadline_store::now_ms();
    match cmd {
        SegmentCommand::List => {
            for s in store.segments().await? {
                let n = store
                    .count_matching(&parse_expression(&s.expression)?, now)
                    .await?;
                println!("{}\t{n}\t{}", s.name, s.expression);
            }
        }
        SegmentCommand::Count { segment } => {
            let text = expression_of(&store, &segment).await?;
            let expr = parse_expression(&text)?;
            println!("{}", store.count_matching(&expr, now).await?);
        }
        SegmentCommand::Save {
            name,
            expression,
            description,
        } => {
            let s = store
                .create_segment(&name, &expression, &description, None, now)
                .await?;
            eprintln!("saved segment {} ({})", s.name, s.id);
        }
        SegmentCommand::Delete { name } => {
            let s = store
                .segment(&name)
                .await
                .with_context(|| format!("segment {name:?}"))?;
            store.delete_segment(&s.id).await?;
            eprintln!("deleted segment {}", s.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Options of `leadline export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// A saved segment's name or an expression; every live lead when omitted.
    #[arg(long)]
    segment: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

const COLUMNS: [&str; 16] = [
    "id",
    "email",
    "first_name",
    "last_name",
    "title",
    "phone",
    "company",
    "country",
    "website",
    "stage",
    "grade",
    "fit",
    "engagement",
    "flags",
    "source",
    "created_at",
];

/// Writes the matching leads as CSV, cells neutralised against formula injection.
pub async fn export(store: Store, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let now = leadline_store::now_ms();
    let expr = match &args.segment {
        Some(s) => {
            let text = expression_of(&store, s).await?;
            parse_expression(&text).with_context(|| format!("--segment {text:?}"))?
        }
        // Every lead: an empty `and` holds for all.
        None => leadline_core::filter::Expr::And(vec![]),
    };
    let out: Box<dyn Write> = match &args.output {
        Some(p) => {
            Box::new(std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(out));
    w.write_record(COLUMNS)?;
    let mut cursor = None;
    let mut n = 0u64;
    loop {
        let page = store
            .segment_leads(&expr, now, cursor.as_ref(), 1000)
            .await?;
        for l in &page.items {
            let num = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            let row = [
                l.id.clone(),
                l.email.clone().unwrap_or_default(),
                l.first_name.clone().unwrap_or_default(),
                l.last_name.clone().unwrap_or_default(),
                l.title.clone().unwrap_or_default(),
                l.phone.clone().unwrap_or_default(),
                l.company.clone().unwrap_or_default(),
                l.country.clone().unwrap_or_default(),
                l.website.clone().unwrap_or_default(),
                l.stage.clone(),
                l.grade.clone().unwrap_or_default(),
                num(l.fit_score),
                num(l.engagement_score),
                l.flags.clone(),
                l.source_channel.clone().unwrap_or_default(),
                leadline_core::time::rfc3339(l.created_at),
            ];
            w.write_record(row.iter().map(|c| csv_safe(c).into_owned()))?;
            n += 1;
        }
        match page.next_cursor() {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    w.flush()?;
    eprintln!("exported {n} leads");
    Ok(ExitCode::SUCCESS)
}
