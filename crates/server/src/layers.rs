//! The server's layers, checked: `state` below everything, `services` below both edges,
//! `api` and `pages` never reaching into each other, and no circle among the modules.
//! Read from the source, so that a new `use` that breaks a layer fails a test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module and the top-level modules its files name as `crate::…`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" || module == "layers" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let named = graph.entry(module.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                named.insert(name);
            }
        }
    }
    graph
}

#[test]
fn the_edges_stand_on_services_and_never_on_each_other() {
    let graph = imports();
    assert!(!graph["api"].contains("pages"), "api uses pages");
    assert!(!graph["pages"].contains("api"), "pages use api");
    for below in [
        "services", "state", "extract", "error", "auth", "limits", "clock",
    ] {
        for edge in ["api", "pages", "startup"] {
            assert!(
                !graph[below].contains(edge),
                "{below} reaches up into {edge}"
            );
        }
    }
}

#[test]
fn no_module_imports_itself_through_others() {
    let graph = imports();
    // Depth-first, colouring what is on the current path: meeting it again is a circle.
    fn visit<'a>(
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        module: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(at) = path.iter().position(|m| *m == module) {
            panic!(
                "the modules import each other in a circle: {:?}",
                &path[at..]
            );
        }
        if !done.insert(module) {
            return;
        }
        path.push(module);
        for next in graph.get(module).into_iter().flatten() {
            visit(graph, next, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(&graph, module, &mut Vec::new(), &mut done);
    }
}
