//! Parquet part files joined into one file by copying their compressed
//! pages: every part's row groups become row groups of the output, and no
//! value is decoded or encoded again. Publishing a 10⁶-run experiment
//! costs the bytes it copies, not a second encoding.
//!
//! The parts of one table come from one writer with one schema, so the
//! output takes the first part's schema and Arrow metadata, and refuses a
//! part whose metadata differs.

use std::fs::File;
use std::io::{BufWriter, Cursor, Write};
use std::path::{Path, PathBuf};

use polars_buffer::Buffer;
use polars_parquet::parquet::FallibleStreamingIterator;
use polars_parquet::parquet::compression::{Compression, DecompressionContext, decompress};
use polars_parquet::parquet::encoding::hybrid_rle::HybridRleDecoder;
use polars_parquet::parquet::error::ParquetError;
use polars_parquet::parquet::metadata::ColumnChunkMetadata;
use polars_parquet::parquet::page::{CompressedPage, DataPageHeader, split_buffer_v1};
use polars_parquet::parquet::read::levels::get_bit_width;
use polars_parquet::parquet::read::{get_page_iterator, read_metadata};
use polars_parquet::parquet::write::{
    DynIter, DynStreamingIterator, FileWriter, Version, WriteOptions,
};

use super::Error;

/// The largest page a part may hold: parts are blocks of at most a few
/// tens of thousands of rows, far below this.
const MAX_PAGE: usize = 1 << 30;

/// What a part holds, as the caller checks it against its seal.
pub(crate) struct Copied {
    pub(crate) rows: u64,
}

fn invalid(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Invalid {
        path: path.to_path_buf(),
        why: format!("not a readable Parquet part: {e}"),
    }
}

/// Write `out` as the row groups of `parts`, in order; `check(i, rows)`
/// is called with each part's row count before any of its pages is
/// copied, so a part that disagrees with its seal stops the copy.
pub(crate) fn concatenate(
    parts: impl Iterator<Item = PathBuf>,
    out: &Path,
    mut check: impl FnMut(usize, &Path, Copied) -> Result<(), Error>,
) -> Result<u64, Error> {
    let file = File::create(out).map_err(|e| Error::io(out, e))?;
    let mut writer: Option<FileWriter<BufWriter<File>>> = None;
    let mut file = Some(BufWriter::new(file));
    let mut arrow_meta = None;
    let mut total = 0u64;
    for (i, path) in parts.enumerate() {
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let buffer = Buffer::from(bytes);
        let meta =
            read_metadata(&mut Cursor::new(buffer.clone())).map_err(|e| invalid(&path, e))?;
        check(
            i,
            &path,
            Copied {
                rows: meta.num_rows as u64,
            },
        )?;
        let w = match &mut writer {
            Some(w) => {
                if meta.key_value_metadata != arrow_meta {
                    return Err(Error::Invalid {
                        path,
                        why: "has another schema than the table's first part".into(),
                    });
                }
                w
            }
            None => {
                arrow_meta = meta.key_value_metadata.clone();
                let options = WriteOptions {
                    write_statistics: true,
                    version: Version::V1,
                };
                writer.insert(FileWriter::new(
                    file.take().expect("one writer"),
                    meta.schema_descr.clone(),
                    options,
                    meta.created_by.clone(),
                ))
            }
        };
        for group in &meta.row_groups {
            let columns: Vec<Result<_, ParquetError>> = group
                .parquet_columns()
                .iter()
                .map(|column| {
                    let pages = pages(column, &buffer, group.num_rows())?;
                    Ok(DynStreamingIterator::new(Pages::new(
                        pages.into_iter().map(Ok),
                    )))
                })
                .collect();
            w.write(group.num_rows() as u64, DynIter::new(columns.into_iter()))
                .map_err(|e| invalid(&path, e))?;
        }
        total += meta.num_rows as u64;
    }
    match writer {
        Some(mut w) => {
            w.end(arrow_meta).map_err(|e| invalid(out, e))?;
            w.into_inner().flush().map_err(|e| Error::io(out, e))?;
        }
        None => {
            return Err(Error::Invalid {
                path: out.to_path_buf(),
                why: "has no parts to publish".into(),
            });
        }
    }
    Ok(total)
}

/// A column chunk's pages, still compressed, each with the number of rows
/// it holds (the writer needs it for the offset index; pages as read do not
/// carry it). A flat column's page holds one row per value; a list
/// column's, one row per repetition level 0, counted from its levels unless
/// the page is the chunk's only one or (v2) its header says.
fn pages(
    column: &ColumnChunkMetadata,
    buffer: &Buffer<u8>,
    rows: usize,
) -> Result<Vec<CompressedPage>, ParquetError> {
    let mut pages = get_page_iterator(column, Cursor::new(buffer.clone()), Vec::new(), MAX_PAGE)?
        .collect::<Result<Vec<_>, _>>()?;
    let levels = &column.descriptor().descriptor;
    let data_pages = pages
        .iter()
        .filter(|p| matches!(p, CompressedPage::Data(_)))
        .count();
    let mut scratch = Vec::new();
    let mut context = DecompressionContext::Unset;
    for page in &mut pages {
        let CompressedPage::Data(page) = page else {
            continue;
        };
        let n = if levels.max_rep_level == 0 {
            page.num_values()
        } else if let DataPageHeader::V2(h) = page.header() {
            usize::try_from(h.num_rows)?
        } else if data_pages == 1 {
            rows
        } else {
            let compression = page.compression();
            let (size, values) = (page.uncompressed_size(), page.num_values());
            let compressed: &[u8] = page.slice_mut();
            let plain: &[u8] = if compression == Compression::Uncompressed {
                compressed
            } else {
                scratch.resize(size, 0);
                decompress(compression, compressed, &mut scratch, &mut context)?;
                &scratch
            };
            let split = split_buffer_v1(plain, true, levels.max_def_level > 0)?;
            let bits = get_bit_width(levels.max_rep_level);
            HybridRleDecoder::new(split.rep, bits, values)
                .collect()?
                .iter()
                .filter(|&&level| level == 0)
                .count()
        };
        page.num_rows = Some(n);
    }
    Ok(pages)
}

/// A column chunk's pages as the writer takes them: a fallible streaming
/// iterator over the pages as read, still compressed.
struct Pages<I> {
    inner: I,
    current: Option<CompressedPage>,
}

impl<I> Pages<I> {
    fn new(inner: I) -> Self {
        Pages {
            inner,
            current: None,
        }
    }
}

impl<I: Iterator<Item = Result<CompressedPage, ParquetError>>> FallibleStreamingIterator
    for Pages<I>
{
    type Item = CompressedPage;
    type Error = ParquetError;

    fn advance(&mut self) -> Result<(), ParquetError> {
        self.current = self.inner.next().transpose()?;
        Ok(())
    }

    fn get(&self) -> Option<&CompressedPage> {
        self.current.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    /// Rows with variable-length and null lists, nulls and repeated
    /// strings: what the experiment tables hold.
    fn frame(offset: usize, n: usize) -> DataFrame {
        let mut lists = ListPrimitiveChunkedBuilder::<Float64Type>::new(
            "actions".into(),
            n,
            3 * n,
            DataType::Float64,
        );
        for i in offset..offset + n {
            match i % 7 {
                0 => lists.append_null(),
                k => lists.append_slice(&vec![i as f64 * 0.5; k % 4]),
            }
        }
        let names: Vec<Option<&str>> = (offset..offset + n)
            .map(|i| ["converged", "max_iterations"].get(i % 3).copied())
            .collect();
        let ids: Vec<u64> = (offset as u64..(offset + n) as u64).collect();
        DataFrame::new_infer_height(vec![
            Column::new("id".into(), ids),
            lists.finish().into_series().into_column(),
            Column::new("reason".into(), names),
        ])
        .unwrap()
    }

    fn write(df: &mut DataFrame, path: &Path, page: usize) {
        let file = File::create(path).unwrap();
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .with_data_page_size(Some(page))
            .with_row_group_size(Some(700))
            .finish(df)
            .unwrap();
    }

    /// Parts split over many pages and row groups (list columns whose
    /// pages carry no row count) come out as Polars' own concatenation of
    /// the frames.
    #[test]
    fn pages_copied_across_parts_read_back_as_the_frames_stacked() {
        let dir = std::env::temp_dir().join(format!("openmarket-concat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sizes = [(0, 1500), (1500, 0), (1500, 2300), (3800, 1)];
        let mut expected: Option<DataFrame> = None;
        let mut paths = Vec::new();
        for (k, &(offset, n)) in sizes.iter().enumerate() {
            let mut df = frame(offset, n);
            let path = dir.join(format!("part-{k}.parquet"));
            write(&mut df, &path, 512);
            paths.push(path);
            expected = Some(match expected {
                None => df,
                Some(e) => e.vstack(&df).unwrap(),
            });
        }
        let out = dir.join("all.parquet");
        let mut seen = Vec::new();
        let rows = concatenate(paths.into_iter(), &out, |_, _, part| {
            seen.push(part.rows);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![1500, 0, 2300, 1]);
        // The list column spans several pages per row group, so its rows
        // were counted from repetition levels: per group they add up.
        let bytes = std::fs::read(dir.join("part-2.parquet")).unwrap();
        let buffer = Buffer::from(bytes);
        let meta = read_metadata(&mut Cursor::new(buffer.clone())).unwrap();
        for group in &meta.row_groups {
            let list = &group.parquet_columns()[1];
            let pages = pages(list, &buffer, group.num_rows()).unwrap();
            let data: Vec<usize> = pages
                .iter()
                .filter_map(|p| match p {
                    CompressedPage::Data(p) => p.num_rows,
                    CompressedPage::Dict(_) => None,
                })
                .collect();
            assert!(data.len() > 1, "one page only: the test tests nothing");
            assert_eq!(data.iter().sum::<usize>(), group.num_rows());
        }
        assert_eq!(rows, 3801);
        let back = ParquetReader::new(File::open(&out).unwrap())
            .finish()
            .unwrap();
        assert!(back.equals_missing(&expected.unwrap()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
