//! The incremental update that carries a signature (ISO 32000-1 section 7.5.6): new and changed
//! objects appended after the last `%%EOF`, a cross-reference section for them whose `/Prev` is
//! the previous one, and a trailer. Nothing before is touched, so earlier signatures still cover
//! exactly the bytes they covered.

use std::collections::BTreeSet;
use std::io::Write;

use chrono::{DateTime, FixedOffset};
use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};

use super::appearance::{import_stamp, media_box};
use super::{PadesError, SignatureOptions};
use crate::signer::Signer;
use crate::x509::common_name;

/// Width reserved for the `/ByteRange` array: `[0 ` and three numbers of up to ten digits.
const BYTE_RANGE_WIDTH: usize = 40;

/// Annotation flags of the widget: Print (4) and Locked (128), so the signature prints and
/// cannot be moved.
const WIDGET_FLAGS: i64 = 132;

/// A PDF with its update written and its `/ByteRange` set, waiting for the signature.
pub(super) struct Prepared {
    bytes: Vec<u8>,
    /// Index of the `<` that opens `/Contents`, and of the `>` that closes it.
    open: usize,
    close: usize,
}

impl Prepared {
    /// SHA-256 of the bytes the signature covers: all but `/Contents`' hex string.
    pub(super) fn digest(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(&self.bytes[..self.open]);
        hasher.update(&self.bytes[self.close + 1..]);
        hasher.finalize().into()
    }

    /// The signed PDF, with `contents` (the CMS, at most the room reserved) in `/Contents`.
    pub(super) fn finish(mut self, contents: &[u8]) -> Vec<u8> {
        let hex = hex::encode_upper(contents);
        self.bytes[self.open + 1..self.open + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        self.bytes
    }
}

/// Objects of the update, in the order they are written.
struct Update {
    next: u32,
    objects: Vec<(ObjectId, Object)>,
}

impl Update {
    fn allocate(&mut self) -> ObjectId {
        let id = (self.next, 0);
        self.next += 1;
        id
    }

    fn add(&mut self, object: Object) -> ObjectId {
        let id = self.allocate();
        self.objects.push((id, object));
        id
    }
}

fn unreadable(e: impl std::fmt::Display) -> PadesError {
    PadesError::Unreadable(e.to_string())
}

/// Where the last cross-reference section starts: the number after the last `startxref`.
fn last_startxref(pdf: &[u8]) -> Result<usize, PadesError> {
    let tail_start = pdf.len().saturating_sub(2048);
    let tail = &pdf[tail_start..];
    let at = tail.windows(9).rposition(|w| w == b"startxref").ok_or_else(|| unreadable("no startxref"))?;
    let digits: String = tail[at + 9..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    digits.parse().map_err(|_| unreadable("no offset after startxref"))
}

/// A PDF text string: ASCII as it is, anything else in UTF-16BE with its byte order mark, so
/// Vietnamese survives.
fn text_string(text: &str) -> Object {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Object::string_literal(text);
    }
    let mut bytes = vec![0xfe, 0xff];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// A PDF date (ISO 32000-1 section 7.9.4): `D:20261126083005+07'00'`.
fn pdf_date(at: DateTime<FixedOffset>) -> String {
    let offset = at.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.abs() / 60;
    format!("D:{}{sign}{:02}'{:02}'", at.format("%Y%m%d%H%M%S"), minutes / 60, minutes % 60)
}

fn serialize(object: &Object) -> Vec<u8> {
    let mut out = Vec::new();
    lopdf::Writer::write_object(&mut out, object).expect("writing to memory does not fail");
    out
}

/// The dictionary an entry holds, following one reference.
fn resolve_dict<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    match object {
        Object::Reference(id) => doc.get_object(*id).ok()?.as_dict().ok(),
        Object::Dictionary(dict) => Some(dict),
        _ => None,
    }
}

/// Whether the document is certified with no changes allowed (DocMDP with P=1, ISO 32000-1
/// section 12.8.2.2).
fn forbids_changes(doc: &Document, catalog: &Dictionary) -> bool {
    let Some(perms) = catalog.get(b"Perms").ok().and_then(|p| resolve_dict(doc, p)) else { return false };
    let Some(signature) = perms.get(b"DocMDP").ok().and_then(|s| resolve_dict(doc, s)) else { return false };
    let Ok(references) = signature.get(b"Reference").and_then(Object::as_array) else { return false };
    references.iter().filter_map(|r| resolve_dict(doc, r)).any(|reference| {
        reference
            .get(b"TransformParams")
            .ok()
            .and_then(|p| resolve_dict(doc, p))
            .and_then(|p| p.get(b"P").ok())
            .and_then(|p| p.as_i64().ok())
            == Some(1)
    })
}

/// Appends `item` to the array that `dict[key]` is or refers to. A referred array is rewritten
/// in the update under its own number; a direct one is changed in `dict`.
fn push_to_array(
    doc: &Document,
    update: &mut Update,
    dict: &mut Dictionary,
    key: &[u8],
    item: Object,
) -> Result<(), PadesError> {
    match dict.get(key).ok().cloned() {
        Some(Object::Reference(id)) => {
            let mut array = doc.get_object(id).and_then(Object::as_array).map_err(unreadable)?.clone();
            array.push(item);
            update.objects.push((id, Object::Array(array)));
        }
        Some(Object::Array(mut array)) => {
            array.push(item);
            dict.set(key, Object::Array(array));
        }
        _ => dict.set(key, Object::Array(vec![item])),
    }
    Ok(())
}

/// The names of the form's top-level fields, to give the new field one not taken.
fn field_names(doc: &Document, acro_form: Option<&Dictionary>) -> BTreeSet<String> {
    let fields = acro_form.and_then(|form| form.get(b"Fields").ok()).and_then(|fields| match fields {
        Object::Reference(id) => doc.get_object(*id).ok()?.as_array().ok(),
        Object::Array(array) => Some(array),
        _ => None,
    });
    fields
        .into_iter()
        .flatten()
        .filter_map(|field| resolve_dict(doc, field))
        .filter_map(|field| lopdf::decode_text_string(field.get(b"T").ok()?).ok())
        .collect()
}

/// Writes the update after `pdf` and sets `/ByteRange`; `/Contents` is `room` bytes of zeros.
pub(super) fn prepare(
    pdf: &[u8],
    signer: &dyn Signer,
    options: &SignatureOptions,
    signing_time: DateTime<FixedOffset>,
    room: usize,
) -> Result<Prepared, PadesError> {
    let doc = Document::load_mem(pdf).map_err(unreadable)?;
    if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
        return Err(PadesError::Encrypted);
    }
    let previous = last_startxref(pdf)?;
    // A file whose last section is a cross-reference stream gets one too: readers accept mixing
    // the two kinds, but strict validators (pyHanko) call it a hybrid file.
    let xref_stream = !pdf.get(previous..).is_some_and(|rest| rest.starts_with(b"xref"));
    let root = doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(unreadable)?;
    let mut catalog = doc.get_object(root).and_then(Object::as_dict).map_err(unreadable)?.clone();
    if forbids_changes(&doc, &catalog) {
        return Err(PadesError::Locked);
    }
    let size = doc.trailer.get(b"Size").and_then(Object::as_i64).ok().and_then(|s| u32::try_from(s).ok()).unwrap_or(0);
    let mut update = Update { next: size.max(doc.max_id + 1), objects: Vec::new() };

    let pages = doc.get_pages();
    let page_number = options.appearance.as_ref().map_or(1, |a| a.page);
    let page_id = *pages
        .get(&u32::try_from(page_number).unwrap_or(u32::MAX))
        .ok_or(PadesError::NoSuchPage { page: page_number, count: pages.len() })?;
    let mut page = doc.get_object(page_id).and_then(Object::as_dict).map_err(unreadable)?.clone();

    let signature_id = update.allocate();
    let widget_id = update.allocate();

    // The AcroForm: where it is now (in its own object, or inside the catalog), or a new one.
    let (acro_form_id, mut acro_form) = match catalog.get(b"AcroForm").ok() {
        Some(Object::Reference(id)) => {
            (Some(*id), doc.get_object(*id).and_then(Object::as_dict).map_err(unreadable)?.clone())
        }
        Some(Object::Dictionary(dict)) => (None, dict.clone()),
        _ => (None, Dictionary::new()),
    };
    let names = field_names(&doc, Some(&acro_form));
    let field_name = match &options.field_name {
        Some(name) => name.clone(),
        None => (1..).map(|n| format!("Signature{n}")).find(|n| !names.contains(n)).expect("unbounded"),
    };

    let mut widget = Dictionary::new();
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", text_string(&field_name));
    widget.set("V", Object::Reference(signature_id));
    widget.set("F", Object::Integer(WIDGET_FLAGS));
    widget.set("P", Object::Reference(page_id));
    match &options.appearance {
        Some(appearance) => {
            // The box is given from the page's corner; the page's own origin may not be 0 0.
            let (x0, y0) = media_box(&doc, page_id).map_or((0.0, 0.0), |b| (b[0].min(b[2]), b[1].min(b[3])));
            let (x, y) = (x0 + appearance.x, y0 + appearance.y);
            widget.set(
                "Rect",
                Object::Array(
                    [x, y, x + appearance.width, y + appearance.height].into_iter().map(Object::Real).collect(),
                ),
            );
            let stamp =
                import_stamp(&appearance.stamp, appearance.width, appearance.height, &mut || update.allocate())?;
            update.objects.extend(stamp.objects);
            let mut ap = Dictionary::new();
            ap.set("N", Object::Reference(stamp.form));
            widget.set("AP", Object::Dictionary(ap));
        }
        None => {
            // Invisible: a widget of no size (ISO 32000-1 section 12.7.4.5).
            widget.set("Rect", Object::Array(vec![Object::Integer(0); 4]));
        }
    }
    update.objects.push((widget_id, Object::Dictionary(widget)));

    push_to_array(&doc, &mut update, &mut page, b"Annots", Object::Reference(widget_id))?;
    update.objects.push((page_id, Object::Dictionary(page)));

    push_to_array(&doc, &mut update, &mut acro_form, b"Fields", Object::Reference(widget_id))?;
    // SignaturesExist (1) and AppendOnly (2): readers then save changes as updates too.
    let flags = acro_form.get(b"SigFlags").and_then(Object::as_i64).unwrap_or(0);
    acro_form.set("SigFlags", Object::Integer(flags | 3));
    match acro_form_id {
        Some(id) => update.objects.push((id, Object::Dictionary(acro_form))),
        None => {
            let id = update.add(Object::Dictionary(acro_form));
            catalog.set("AcroForm", Object::Reference(id));
            update.objects.push((root, Object::Dictionary(catalog)));
        }
    }

    // The signature dictionary, written by hand: its /ByteRange and /Contents are filled in place.
    let mut signature = Vec::new();
    write!(
        signature,
        "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange {:width$}/Contents <",
        "[0 0 0 0]",
        width = BYTE_RANGE_WIDTH
    )
    .expect("memory");
    let contents_at = signature.len() - 1;
    signature.extend(std::iter::repeat_n(b'0', room * 2));
    signature.extend_from_slice(b">/M ");
    signature.extend(serialize(&Object::string_literal(pdf_date(signing_time))));
    let mut optional =
        vec![("Reason", &options.reason), ("Location", &options.location), ("ContactInfo", &options.contact_info)];
    let name = signer.certificate_chain().first().and_then(common_name);
    optional.insert(0, ("Name", &name));
    for (key, value) in optional {
        if let Some(value) = value {
            write!(signature, "/{key} ").expect("memory");
            signature.extend(serialize(&text_string(value)));
        }
    }
    signature.extend_from_slice(b"/Prop_Build<</App<</Name/motcua>>>>>>");

    // The file: the original, untouched, then the update.
    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets = Vec::new();
    let mut open = 0;
    let mut byte_range_at = 0;
    let signature_object = (signature_id, Object::Null);
    for (id, object) in std::iter::once(&signature_object).chain(update.objects.iter()) {
        offsets.push((*id, out.len()));
        writeln!(out, "{} {} obj", id.0, id.1).expect("memory");
        if *id == signature_id {
            byte_range_at = out.len() + signature.windows(10).position(|w| w == b"/ByteRange").expect("written") + 11;
            open = out.len() + contents_at;
            out.extend_from_slice(&signature);
        } else {
            out.extend(serialize(object));
        }
        out.extend_from_slice(b"\nendobj\n");
    }

    let mut trailer = Dictionary::new();
    for key in [&b"Root"[..], b"Info", b"ID"] {
        if let Ok(value) = doc.trailer.get(key) {
            trailer.set(key, value.clone());
        }
    }
    trailer.set("Prev", Object::Integer(previous as i64));
    if xref_stream {
        write_xref_stream(&mut out, &mut update, offsets, trailer);
    } else {
        write_xref_table(&mut out, update.next, offsets, trailer);
    }

    let close = open + 1 + room * 2;
    let after = close + 1;
    let byte_range = format!("[0 {open} {after} {}]", out.len() - after);
    let padded = format!("{byte_range:width$}", width = BYTE_RANGE_WIDTH);
    out[byte_range_at..byte_range_at + BYTE_RANGE_WIDTH].copy_from_slice(padded.as_bytes());
    Ok(Prepared { bytes: out, open, close })
}

/// Consecutive runs of object numbers: the subsections of a cross-reference section.
fn runs(mut offsets: Vec<(ObjectId, usize)>) -> Vec<(u32, Vec<(ObjectId, usize)>)> {
    offsets.sort_by_key(|((number, _), _)| *number);
    let mut runs: Vec<(u32, Vec<(ObjectId, usize)>)> = Vec::new();
    for entry in offsets {
        match runs.last_mut() {
            Some((first, items)) if *first + items.len() as u32 == entry.0 .0 => items.push(entry),
            _ => runs.push((entry.0 .0, vec![entry])),
        }
    }
    runs
}

fn write_xref_table(out: &mut Vec<u8>, size: u32, offsets: Vec<(ObjectId, usize)>, mut trailer: Dictionary) {
    let start = out.len();
    out.extend_from_slice(b"xref\n");
    for (first, items) in runs(offsets) {
        writeln!(out, "{first} {}", items.len()).expect("memory");
        for ((_, generation), offset) in items {
            // Each entry exactly 20 bytes (ISO 32000-1 section 7.5.4).
            write!(out, "{offset:010} {generation:05} n\r\n").expect("memory");
        }
    }
    trailer.set("Size", Object::Integer(i64::from(size)));
    out.extend_from_slice(b"trailer\n");
    out.extend(serialize(&Object::Dictionary(trailer)));
    write!(out, "\nstartxref\n{start}\n%%EOF\n").expect("memory");
}

fn write_xref_stream(
    out: &mut Vec<u8>,
    update: &mut Update,
    mut offsets: Vec<(ObjectId, usize)>,
    mut trailer: Dictionary,
) {
    let id = update.allocate();
    let start = out.len();
    offsets.push((id, start));
    let mut index = Vec::new();
    let mut data = Vec::new();
    for (first, items) in runs(offsets) {
        index.push(Object::Integer(i64::from(first)));
        index.push(Object::Integer(items.len() as i64));
        for ((_, generation), offset) in items {
            data.push(1u8);
            data.extend_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_be_bytes());
            data.extend_from_slice(&generation.to_be_bytes());
        }
    }
    trailer.set("Type", Object::Name(b"XRef".to_vec()));
    trailer.set("Size", Object::Integer(i64::from(update.next)));
    trailer.set("Index", Object::Array(index));
    trailer.set("W", Object::Array(vec![Object::Integer(1), Object::Integer(4), Object::Integer(2)]));
    let stream = lopdf::Stream::new(trailer, data);
    writeln!(out, "{} {} obj", id.0, id.1).expect("memory");
    out.extend(serialize(&Object::Stream(stream)));
    write!(out, "\nendobj\nstartxref\n{start}\n%%EOF\n").expect("memory");
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn dates_carry_their_offset() {
        let vn = FixedOffset::east_opt(7 * 3600).unwrap();
        assert_eq!(pdf_date(vn.with_ymd_and_hms(2026, 11, 26, 8, 30, 5).unwrap()), "D:20261126083005+07'00'");
        let west = FixedOffset::west_opt(5 * 3600 + 1800).unwrap();
        assert_eq!(pdf_date(west.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()), "D:20260102030405-05'30'");
    }

    #[test]
    fn text_strings_are_utf16() {
        assert_eq!(text_string("Sở"), Object::String(vec![0xfe, 0xff, 0, b'S', 0x1e, 0xdf], StringFormat::Hexadecimal));
        assert_eq!(text_string("Signature1"), Object::string_literal("Signature1"));
    }

    #[test]
    fn subsections_group_consecutive_numbers() {
        let runs = runs(vec![((12, 0), 1), ((3, 0), 2), ((10, 0), 3), ((11, 0), 4)]);
        let firsts: Vec<_> = runs.iter().map(|(first, items)| (*first, items.len())).collect();
        assert_eq!(firsts, [(3, 1), (10, 3)]);
    }

    #[test]
    fn startxref_is_the_last_one() {
        let pdf = b"%PDF-1.7\n...startxref\n10\n%%EOF\n...startxref\n 1234 \n%%EOF\n";
        assert_eq!(last_startxref(pdf).unwrap(), 1234);
    }
}
