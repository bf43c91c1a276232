//! The reliability diagram as SVG: for each confidence decile, a bar up to the share of answers
//! that were right, a dot at (mean confidence, accuracy), the answer count under the bar, the
//! held-out split's accuracy as crosses, and the diagonal of perfect calibration.

use super::calibration::Calibration;
use crate::error::{Error, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The strip under the zero line that holds the bin counts, in accuracy units.
const COUNT_ROW: f64 = -0.07;

/// Size of the diagram in pixels.
pub const SIZE: (u32, u32) = (900, 700);

fn err(e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("drawing the reliability diagram: {e}"))
}

/// Draw the reliability diagram of `all` (bars, dots, counts) with `held_out` accuracies as
/// crosses, under the title `title`. Returns the SVG text.
///
/// ```
/// use titlematch::eval::{reliability_svg, Calibration};
/// let c = Calibration::of(&[(0.95, true), (0.9, true), (0.55, false), (0.6, true)], 4);
/// let svg = reliability_svg(&c, None, "test")?;
/// assert!(svg.starts_with("<svg") && svg.contains("n=2"));
/// # Ok::<(), titlematch::Error>(())
/// ```
pub fn reliability_svg(
    all: &Calibration,
    held_out: Option<&Calibration>,
    title: &str,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24))
            .margin(24)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..1f64, COUNT_ROW..1.1f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("Confidence (probability the role is right)")
            .y_desc("Accuracy (share of answers right)")
            .x_labels(11)
            .y_labels(12)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| {
                if (-1e-9..=1.0 + 1e-9).contains(v) {
                    format!("{v:.1}")
                } else {
                    String::new()
                }
            })
            .axis_desc_style(("sans-serif", 18))
            .label_style(("sans-serif", 15))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .draw()
            .map_err(err)?;

        let bar = RGBColor(70, 130, 180);
        let filled: Vec<_> = all.bins.iter().filter(|b| b.count > 0).collect();
        chart
            .draw_series(filled.iter().map(|b| {
                let acc = b.accuracy.unwrap_or(0.0);
                Rectangle::new(
                    [(b.lo + 0.006, 0.0), (b.hi - 0.006, acc)],
                    bar.mix(0.35).filled(),
                )
            }))
            .map_err(err)?
            .label(format!(
                "accuracy per bin, all rows ({} answers; n = answers in the bin)",
                all.answered
            ))
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 18, y + 6)], bar.mix(0.35).filled())
            });
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, 0.0), (1.0, 1.0)],
                8,
                6,
                BLACK.mix(0.6).stroke_width(2),
            ))
            .map_err(err)?
            .label("perfect calibration")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], BLACK.mix(0.6).stroke_width(2))
            });
        chart
            .draw_series(filled.iter().map(|b| {
                Circle::new(
                    (b.mean_confidence.unwrap_or(0.0), b.accuracy.unwrap_or(0.0)),
                    6,
                    bar.filled(),
                )
            }))
            .map_err(err)?
            .label("mean confidence vs accuracy")
            .legend(move |(x, y)| Circle::new((x + 9, y), 6, bar.filled()));
        // Counts get their own strip under the zero line, where no bar, dot or cross can hide
        // them.
        let label = TextStyle::from(("sans-serif", 14).into_font())
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart
            .draw_series(filled.iter().map(|b| {
                Text::new(
                    format!("n={}", b.count),
                    ((b.lo + b.hi) / 2.0, COUNT_ROW / 2.0),
                    label.clone(),
                )
            }))
            .map_err(err)?;
        if let Some(h) = held_out {
            let orange = RGBColor(230, 120, 20);
            chart
                .draw_series(h.bins.iter().filter(|b| b.count > 0).map(|b| {
                    Cross::new(
                        (b.mean_confidence.unwrap_or(0.0), b.accuracy.unwrap_or(0.0)),
                        7,
                        orange.stroke_width(3),
                    )
                }))
                .map_err(err)?
                .label(format!("held-out rows ({} answers)", h.answered))
                .legend(move |(x, y)| Cross::new((x + 9, y), 6, orange.stroke_width(3)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
