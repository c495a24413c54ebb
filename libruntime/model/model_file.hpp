// SPDX-License-Identifier: MIT
// The model file container (docs/model-format.md): writing a ModelImage and
// parsing/validating a file back. Used by the model builder (writer), the
// runtime's loader and tern-run. Compiled into libternrt; the C++ symbols
// are not exported from the shared library, so programs outside it link
// the static `tern_model_file` library instead.
#pragma once

#include "model_image.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace tern::model {

// ---- Format constants (docs/model-format.md) ---------------------------

inline constexpr char kMagic[8] = {'T', 'E', 'R', 'N', 'M', 'O', 'D', 'L'};
inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 0;
inline constexpr uint32_t kHeaderSize = 128;
inline constexpr uint32_t kSectionEntrySize = 64;
inline constexpr uint64_t kAlignment = 4096;
inline constexpr uint32_t kChecksumXxh3 = 1;
inline constexpr uint32_t kMaxSections = 32;
// Feature bits this reader implements (none in format 1.0).
inline constexpr uint64_t kKnownRequiredFeatures = 0;

enum class SectionType : uint32_t { kMetadata = 1, kWeights = 2, kPrograms = 3, kFeatureNames = 4 };
inline constexpr uint32_t kSectionRequired = 1u << 0;

// Limits (every count and size in a file is bounded).
inline constexpr uint32_t kMaxNameLength = 255;
inline constexpr uint32_t kMaxInputs = 256;
inline constexpr uint32_t kMaxOutputs = 256;
inline constexpr uint32_t kMaxBindings = 256;
inline constexpr uint32_t kMaxPrograms = 1024;
inline constexpr uint32_t kMaxRank = 6;
inline constexpr uint64_t kMaxProgramSize = 16u << 20;
inline constexpr uint64_t kProgramAlignment = 64;
inline constexpr uint64_t kMaxTensorBytes = 1ull << 40;
inline constexpr uint64_t kMaxScratchBytes = 1ull << 40;
inline constexpr uint64_t kMaxWeightsBytes = 1ull << 40;
inline constexpr uint64_t kMaxMetadataBytes = 1u << 20;
inline constexpr uint64_t kMaxProgramsBytes = 256u << 20;
inline constexpr uint64_t kMaxFeatureNamesBytes = 64u << 10;

// A malformed or incompatible file or image; what() names the field.
class FormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// ---- Writing -------------------------------------------------------------

// The file's bytes. Validates the image first (validate() below) and throws
// FormatError naming the first broken rule.
std::vector<uint8_t> serialize(const ModelImage& image);

// serialize() to `path` (written to a temporary file in the same directory,
// fsync'd, then renamed, so a reader never sees a partial file). Throws
// FormatError for a bad image and std::system_error for I/O failures.
void write_model_file(const ModelImage& image, const std::string& path);

// ---- Validation and parsing -------------------------------------------

// The semantic rules of docs/model-format.md sections 4 and 5 (counts,
// names, shapes, bindings, program headers and tensor tables). Returns ""
// when the image is valid, else a message naming the field.
std::string validate(const ModelImage& image);
// The same for an image whose weights are not in memory (the loader
// streams them to the device): `weights_size` stands for weights.size().
std::string validate(const ModelImage& image, uint64_t weights_size);

// Bytes of one element of `dtype`; 0 for an unknown value.
uint32_t dtype_size(DType dtype);
// Bytes of a dense tensor (esize * product of shape); 0 if the spec is
// invalid or the product overflows.
uint64_t tensor_bytes(const TensorSpec& spec);

// Where a section lies in the file.
struct SectionRef {
    bool present = false;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint64_t checksum = 0;
};

// The header and section table, after their checks.
struct FileLayout {
    uint16_t version_major = 0;
    uint16_t version_minor = 0;
    uint64_t required_features = 0;
    uint64_t optional_features = 0;
    uint64_t file_size = 0;
    uint32_t section_count = 0;
    SectionRef metadata, weights, programs, feature_names;
    uint32_t unknown_sections = 0;  // skipped optional sections
};

// Bytes of the header and section table of a file whose first bytes are
// `head` (needs at least 64 of them): what parse_layout() must be given.
// Throws FormatError if `head` is not a Tern model file at all.
uint64_t header_area_size(std::span<const uint8_t> head);

// Reads `size` bytes at `offset` of the file (for FEATURE_NAMES only).
using SectionReader = std::function<std::vector<uint8_t>(uint64_t offset, uint64_t size)>;

// Checks the header and section table (docs/model-format.md sections 2, 3,
// 6 and 7 steps 1-3). `head` holds at least header_area_size() bytes;
// `file_size` is the real size of the file. When the file requires
// features this reader lacks, `read` (if set) fetches FEATURE_NAMES so the
// error can name them. Throws FormatError.
FileLayout parse_layout(std::span<const uint8_t> head, uint64_t file_size,
                        const SectionReader& read = {});

// XXH3-64 (seed 0), the checksum of every section.
uint64_t checksum(std::span<const uint8_t> bytes);

// Decodes and checks the METADATA section (its checksum included) into
// `out` (name, inputs, outputs, bindings, scratch_bytes) and returns the
// program table as {offset, size} pairs. Throws FormatError.
struct ProgramRef {
    uint64_t offset;
    uint64_t size;
};
std::vector<ProgramRef> parse_metadata(std::span<const uint8_t> metadata, const FileLayout& layout,
                                       ModelImage* out);

// Checks the PROGRAMS section (checksum included) and copies the images
// into out->programs, checking each against out's bindings. Throws.
void parse_programs(std::span<const uint8_t> programs, const FileLayout& layout,
                    const std::vector<ProgramRef>& refs, ModelImage* out);

// Checks one program image against a binding table (header, tensor table,
// extents vs slot sizes). Returns "" or the problem.
std::string check_program(std::span<const uint8_t> image, const std::vector<Binding>& bindings);

// The whole file in memory -> a validated ModelImage (weights included,
// their checksum verified). Throws FormatError.
ModelImage parse(std::span<const uint8_t> file);

// Reads and parses a file. Throws FormatError or std::system_error.
ModelImage read_model_file(const std::string& path);

// Names for messages and tools.
const char* dtype_name(DType dtype);         // "fp32", "bf16", "fp16", "int32", "?"
const char* role_name(BindingRole role);     // "input", "output", "weights", "scratch", "?"
const char* section_name(SectionType type);  // "METADATA", ...

}  // namespace tern::model
