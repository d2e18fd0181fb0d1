//! The shared corpus of 116 rendered public charts (`../shared/corpus/bitnami`): every file
//! parses into Kubernetes objects without an error and is evaluated by every built-in policy
//! without an error; together they hold exactly the 2,191 objects the corpus README states.

#![expect(clippy::expect_used, reason = "test set-up: a panic is a test failure")]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Failed, Trial};
use palisade_cli::inputs::Source;
use palisade_cli::pipeline::{self, CheckOptions};
use palisade_cli::policy_set::{PolicyOptions, PolicySet, engine_config};
use palisade_core::InputLimits;
use palisade_engine::Engine;

const CORPUS_OBJECTS: usize = 2191;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/bitnami")
}

fn policies() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| {
        let engine = Engine::new(engine_config()).expect("engine");
        PolicySet::load(&engine, &PolicyOptions::default()).expect("built-in policies load")
    })
}

fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap_or_else(|e| {
            panic!("{}: {e} (the shared folder must sit beside the repository)", corpus_dir().display())
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn parse_count(path: &Path) -> Result<usize, Failed> {
    let name: Arc<str> = Arc::from(path.display().to_string());
    let limits = InputLimits::default();
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = palisade_core::manifest::decode(&name, &bytes, &limits).map_err(|e| e.to_string())?;
    let parsed = palisade_core::manifest::parse(&name, &text, &limits);
    if let Some(e) = parsed.errors.first() {
        return Err(e.to_string().into());
    }
    Ok(parsed.resources.len())
}

fn evaluate(path: &Path) -> Result<(), Failed> {
    let report = pipeline::check(policies(), &[Source::File(path.to_path_buf())], Vec::new(), &CheckOptions::default());
    match report.errors.first() {
        Some(e) => Err(format!("{e:?}").into()),
        None if report.summary.resources == 0 => Err("no objects evaluated".into()),
        None => Ok(()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let files = files();
    let mut trials: Vec<Trial> = Vec::new();
    let all = files.clone();
    trials.push(Trial::test("corpus::object_count", move || {
        if all.len() != 116 {
            return Err(format!("expected 116 corpus files, found {}", all.len()).into());
        }
        let mut total = 0;
        for f in &all {
            total += parse_count(f)?;
        }
        if total == CORPUS_OBJECTS {
            Ok(())
        } else {
            Err(format!("parsed {total} objects, expected {CORPUS_OBJECTS}").into())
        }
    }));
    for file in files {
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        trials.push(Trial::test(format!("corpus::evaluate::{stem}"), move || evaluate(&file)));
    }
    libtest_mimic::run(&args, trials).exit();
}
