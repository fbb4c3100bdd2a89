//! A progress bar for long imports and exports, shown only on a terminal.
//!
//! Natively it is an `indicatif` bar on stderr; under WASI (where indicatif's
//! terminal probing does not build) and whenever stderr is not a terminal it
//! does nothing, so output captured by scripts and tests never contains
//! cursor movements.

/// Counts work done; draws a bar when it can.
pub struct Progress {
    #[cfg(not(target_os = "wasi"))]
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// `total` is in `unit`s (e.g. bytes of the input, or items).
    pub fn new(total: Option<u64>, unit: &str) -> Progress {
        #[cfg(not(target_os = "wasi"))]
        {
            use std::io::IsTerminal;
            if !std::io::stderr().is_terminal() {
                return Progress { bar: None };
            }
            let bar = match total {
                Some(total) => indicatif::ProgressBar::new(total),
                None => indicatif::ProgressBar::new_spinner(),
            };
            let template = if total.is_some() {
                format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{eta}} left)")
            } else {
                format!("{{spinner}} {{pos}} {unit}")
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
                bar.set_style(style);
            }
            Progress { bar: Some(bar) }
        }
        #[cfg(target_os = "wasi")]
        {
            let _ = (total, unit);
            Progress {}
        }
    }

    pub fn advance(&self, by: u64) {
        #[cfg(not(target_os = "wasi"))]
        if let Some(bar) = &self.bar {
            bar.inc(by);
        }
        #[cfg(target_os = "wasi")]
        let _ = by;
    }

    /// Remove the bar so the summary line stands alone.
    pub fn finish(&self) {
        #[cfg(not(target_os = "wasi"))]
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
