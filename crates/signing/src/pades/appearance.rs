//! The appearance of a visible signature: the stamp's page made into a form XObject.
//!
//! The page's content stream becomes the form's content and its resources (the embedded font
//! subsets with their ToUnicode maps, graphics states) are copied over with new object numbers,
//! so the stamp looks and copies the same inside the signed PDF as on its own.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::PadesError;

/// A stamp ready for the update: the form XObject and every object it needs.
pub(super) struct Stamp {
    pub(super) form: ObjectId,
    pub(super) objects: Vec<(ObjectId, Object)>,
}

fn bad(e: impl std::fmt::Display) -> PadesError {
    PadesError::Stamp(e.to_string())
}

/// Copies `object` from `source`, giving each object it refers to a new number from `allocate`
/// (each once, however often it is referred to).
struct Copier<'a> {
    source: &'a Document,
    numbers: HashMap<ObjectId, ObjectId>,
    objects: Vec<(ObjectId, Object)>,
}

impl Copier<'_> {
    fn copy(&mut self, object: &Object, allocate: &mut dyn FnMut() -> ObjectId) -> Result<Object, PadesError> {
        Ok(match object {
            Object::Reference(id) => {
                if let Some(new) = self.numbers.get(id) {
                    return Ok(Object::Reference(*new));
                }
                let new = allocate();
                self.numbers.insert(*id, new);
                let target = self.source.get_object(*id).map_err(bad)?;
                let copied = self.copy(target, allocate)?;
                self.objects.push((new, copied));
                Object::Reference(new)
            }
            Object::Array(items) => {
                Object::Array(items.iter().map(|item| self.copy(item, allocate)).collect::<Result<_, _>>()?)
            }
            Object::Dictionary(dict) => Object::Dictionary(self.copy_dict(dict, allocate)?),
            Object::Stream(stream) => {
                let dict = self.copy_dict(&stream.dict, allocate)?;
                // The bytes as they are, still under their filters.
                Object::Stream(Stream::new(dict, stream.content.clone()).with_compression(false))
            }
            other => other.clone(),
        })
    }

    fn copy_dict(
        &mut self,
        dict: &Dictionary,
        allocate: &mut dyn FnMut() -> ObjectId,
    ) -> Result<Dictionary, PadesError> {
        let mut out = Dictionary::new();
        for (key, value) in dict.iter() {
            out.set(key.clone(), self.copy(value, allocate)?);
        }
        Ok(out)
    }
}

/// A page's `/MediaBox`, its own or inherited from the page tree.
pub(super) fn media_box(doc: &Document, page_id: ObjectId) -> Option<[f32; 4]> {
    let mut node = doc.get_object(page_id).ok()?.as_dict().ok()?;
    for _ in 0..64 {
        if let Ok(value) = node.get(b"MediaBox") {
            let array = match value {
                Object::Reference(id) => doc.get_object(*id).ok()?.as_array().ok()?,
                other => other.as_array().ok()?,
            };
            let numbers: Vec<f32> = array.iter().filter_map(|n| n.as_float().ok()).collect();
            return numbers.try_into().ok();
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = doc.get_object(parent).ok()?.as_dict().ok()?;
    }
    None
}

/// The first page of `stamp_pdf` as a form XObject scaled to `width` × `height` points.
pub(super) fn import_stamp(
    stamp_pdf: &[u8],
    width: f32,
    height: f32,
    allocate: &mut dyn FnMut() -> ObjectId,
) -> Result<Stamp, PadesError> {
    let source = Document::load_mem(stamp_pdf).map_err(bad)?;
    let page_id = *source.get_pages().get(&1).ok_or_else(|| bad("the stamp has no page"))?;
    let page = source.get_object(page_id).and_then(Object::as_dict).map_err(bad)?;
    let media_box = media_box(&source, page_id).ok_or_else(|| bad("the stamp's page has no size"))?;
    let (x0, y0) = (media_box[0].min(media_box[2]), media_box[1].min(media_box[3]));
    let (page_width, page_height) = ((media_box[2] - media_box[0]).abs(), (media_box[3] - media_box[1]).abs());
    if page_width <= 0.0 || page_height <= 0.0 || width <= 0.0 || height <= 0.0 {
        return Err(bad("empty box"));
    }
    let content = source.get_page_content(page_id);
    let resources = match page.get(b"Resources") {
        Ok(resources) => resources.clone(),
        // Inherited from the page tree.
        Err(_) => source
            .get_page_resources(page_id)
            .map_err(bad)?
            .1
            .first()
            .map_or(Object::Dictionary(Dictionary::new()), |id| Object::Reference(*id)),
    };

    let mut copier = Copier { source: &source, numbers: HashMap::new(), objects: Vec::new() };
    let resources = copier.copy(&resources, allocate)?;
    let (sx, sy) = (width / page_width, height / page_height);
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Form".to_vec()));
    // The box in the page's own coordinates; the matrix scales it onto the widget's rectangle.
    dict.set(
        "BBox",
        Object::Array([x0, y0, x0 + page_width, y0 + page_height].into_iter().map(Object::Real).collect()),
    );
    dict.set("Matrix", Object::Array([sx, 0.0, 0.0, sy, -x0 * sx, -y0 * sy].into_iter().map(Object::Real).collect()));
    dict.set("Resources", resources);
    let mut stream = Stream::new(dict, content);
    stream.compress().map_err(bad)?;
    let form = allocate();
    let mut objects = copier.objects;
    objects.push((form, Object::Stream(stream)));
    Ok(Stamp { form, objects })
}
