//! The tantivy index over normalized alias keys, for BM25 candidate generation.
//!
//! One document per distinct normalized key. The text is already normalized by
//! [`crate::normalize`], so the analyzer only splits on whitespace: the query goes through the
//! same normalizer, and both sides agree token for token. Custom analyzers live in memory only,
//! so [`register_analyzers`] runs after every create and every open.

use crate::error::Result;
use std::path::Path;
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, Term};

const ANALYZER: &str = "tm_words";

/// A built, searchable text index.
pub struct TextIndex {
    title: Field,
    searcher: Searcher,
    ids: Vec<Column<u64>>,
    // Kept so the searcher's segments stay alive and the reader can be inspected.
    _reader: IndexReader,
}

impl std::fmt::Debug for TextIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextIndex")
            .field("docs", &self.searcher.num_docs())
            .finish()
    }
}

fn schema() -> (Schema, Field, Field) {
    let mut sb = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(ANALYZER)
        .set_index_option(IndexRecordOption::WithFreqs);
    let title = sb.add_text_field(
        "title",
        TextOptions::default().set_indexing_options(indexing),
    );
    let id = sb.add_u64_field("key_id", FAST | STORED);
    (sb.build(), title, id)
}

/// Register the analyzers this index uses. Call after every create or open.
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(
        ANALYZER,
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
    );
}

impl TextIndex {
    /// Build an index of `keys` (document id = position) in memory, or in `dir` when given.
    pub fn build(keys: &[String], dir: Option<&Path>) -> Result<TextIndex> {
        let (schema, title, id) = schema();
        let index = match dir {
            Some(d) => Index::create_in_dir(d, schema)?,
            None => Index::create_in_ram(schema),
        };
        register_analyzers(&index);
        {
            // One thread: deterministic document order, one segment, faster short queries.
            let mut writer: IndexWriter = index.writer_with_num_threads(1, 50_000_000)?;
            for (i, k) in keys.iter().enumerate() {
                writer.add_document(doc!(title => k.as_str(), id => i as u64))?;
            }
            writer.commit()?;
            writer.wait_merging_threads()?;
        }
        TextIndex::from_index(index, title)
    }

    /// Open an index built by [`TextIndex::build`] in `dir`.
    pub fn open(dir: &Path) -> Result<TextIndex> {
        let index = Index::open_in_dir(dir)?;
        register_analyzers(&index);
        let title = index.schema().get_field("title")?;
        TextIndex::from_index(index, title)
    }

    fn from_index(index: Index, title: Field) -> Result<TextIndex> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let mut ids = Vec::new();
        for seg in searcher.segment_readers() {
            ids.push(seg.fast_fields().u64("key_id")?);
        }
        Ok(TextIndex {
            title,
            searcher,
            ids,
            _reader: reader,
        })
    }

    /// Number of documents.
    pub fn len(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// True when the index holds no documents.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// BM25 search: every token is a `Should` clause. Returns (key id, score), best first.
    pub fn search(&self, tokens: &[&str], limit: usize) -> Vec<(usize, f32)> {
        if tokens.is_empty() || limit == 0 {
            return Vec::new();
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = tokens
            .iter()
            .map(|t| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.title, t),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Should, q)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let Ok(top) = self
            .searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
        else {
            return Vec::new();
        };
        top.into_iter()
            .filter_map(|(score, addr)| {
                let col = self.ids.get(addr.segment_ord as usize)?;
                col.first(addr.doc_id).map(|id| (id as usize, score))
            })
            .collect()
    }
}
