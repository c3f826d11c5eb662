//! Reading document paths out of items.

use crate::ast::{Path, PathElement};
use eddy_types::{AttributeValue, Item};

/// The value at `path`, if every step exists: names step into maps, indexes into lists.
pub fn get<'i>(item: &'i Item, path: &Path) -> Option<&'i AttributeValue> {
    let mut elements = path.elements.iter();
    let mut cur = match elements.next()? {
        PathElement::Attr(name) => item.get(name)?,
        PathElement::Index(_) => return None,
    };
    for e in elements {
        cur = match (e, cur) {
            (PathElement::Attr(name), AttributeValue::M(m)) => m.get(name)?,
            (PathElement::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_maps_and_lists() {
        let mut inner = Item::new();
        inner.insert(
            "b".into(),
            AttributeValue::L(vec![AttributeValue::Bool(true)]),
        );
        let mut item = Item::new();
        item.insert("a".into(), AttributeValue::M(inner));
        let p = |els: Vec<PathElement>| Path { elements: els };
        let a = || PathElement::Attr("a".into());
        let b = || PathElement::Attr("b".into());
        assert_eq!(
            get(&item, &p(vec![a(), b(), PathElement::Index(0)])),
            Some(&AttributeValue::Bool(true))
        );
        assert_eq!(get(&item, &p(vec![a(), b(), PathElement::Index(1)])), None);
        assert_eq!(get(&item, &p(vec![a(), PathElement::Index(0)])), None);
        assert_eq!(get(&item, &p(vec![b()])), None);
        assert_eq!(get(&item, &p(vec![a(), b(), b()])), None);
    }
}
