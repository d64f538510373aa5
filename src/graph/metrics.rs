//! How wide a label is drawn, estimated so that it is never narrower than it shows in the
//! fonts a browser or an editor picks for `sans-serif` (the boxes are sized from it, before
//! any font is known): each printable ASCII character by its own advance, the widest of DejaVu
//! Sans (Linux's usual `sans-serif`, and the widest of the common ones) and Liberation Sans
//! (Arial's metrics), regular and bold, as Chromium measures them; East Asian wide characters
//! 1 em, emoji 1.3 em (colour emoji fonts draw them wider than 1 em); any other character as
//! wide as the widest letters of those fonts' other scripts (Cyrillic `Ж` in bold); marks that
//! join the character before them, nothing. The page also compresses a line that still
//! overflows its box (a font wider than these), see [`super::html`].

/// Advances of `' '..='~'` in thousandths of an em, regular.
const REGULAR: [u16; 95] = [
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 556, 1015, 684, 686, 722, 770, 667,
    611, 778, 752, 295, 500, 667, 557, 863, 748, 787, 667, 787, 722, 667, 611, 732, 684, 989, 685,
    667, 685, 390, 337, 390, 838, 556, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
    278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
/// The same, bold (titles).
const BOLD: [u16; 95] = [
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696,
    696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 611, 1015, 774, 762, 734, 830, 683,
    683, 821, 837, 372, 556, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771,
    724, 725, 457, 365, 457, 838, 556, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665,
    343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];

/// The width of `text` drawn at `size` px, bold or not.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let table = if bold { &BOLD } else { &REGULAR };
    let mut thousandths: u32 = 0;
    for c in text.chars() {
        thousandths += match c {
            ' '..='~' => u32::from(table[c as usize - 0x20]),
            c if joins(c) => 0,
            c if emoji(c) => 1300,
            c if wide(c) => 1000,
            _ if bold => 1250,
            _ => 1100,
        };
    }
    f64::from(thousandths) * size / 1000.0
}

/// A combining mark, a zero-width character, a variation selector or a joiner: drawn with the
/// character before it.
fn joins(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064
        | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0xFEFF | 0xE0100..=0xE01EF
        | 0x1F3FB..=0x1F3FF)
}

/// Emoji and pictographs (colour emoji fonts draw them about 1.25 em wide).
fn emoji(c: char) -> bool {
    matches!(c as u32,
        0x231A..=0x231B | 0x23E9..=0x23FA | 0x2600..=0x27BF | 0x2B50..=0x2B55 | 0x1F000..=0x1FAFF)
}

/// East Asian wide and fullwidth characters (Unicode's East Asian Width W and F, by block).
fn wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE10..=0xFE19
        | 0xFE30..=0xFE6F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1B000..=0x1B2FF
        | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::text_width;

    /// Widths at 1000 px as Chromium draws them in DejaVu Sans and Liberation Sans (the widest
    /// of the two), regular and bold: the estimate is never below.
    #[test]
    fn never_narrower_than_the_common_sans_serif_fonts() {
        for (text, bold, drawn) in [
            ("WWWW", true, 4412.0),
            ("MMMM", false, 3452.0),
            ("SEND_VERIFICATION_EMAIL", true, 15434.0),
            ("Ж", true, 1224.0),
            ("é", true, 678.0),
            ("😀", false, 1042.0),
            ("中文", false, 2000.0),
        ] {
            let w = text_width(text, 1000.0, bold);
            assert!(w >= drawn, "{text}: {w} < {drawn}");
        }
        // and not much wider than needed for plain text, nor for a letter and its accent
        assert!(text_width("update:users", 1000.0, false) < 12.0 * 640.0);
        assert_eq!(
            text_width("e\u{301}", 12.0, false),
            text_width("e", 12.0, false)
        );
        assert_eq!(text_width("", 12.0, true), 0.0);
    }
}
