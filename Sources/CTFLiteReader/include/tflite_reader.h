// A small C interface over flatc's generated TFLite reader, so that Swift reads models through
// plain structs and never touches flatbuffer offsets. Every accessor takes a buffer that
// tfl_verify() has accepted; indices are checked by the caller (the Swift frontend) against the
// counts returned here, and again here so that a wrong index yields an empty result, not a crash.
#ifndef VTAC_TFLITE_READER_H
#define VTAC_TFLITE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Outcome of tfl_verify().
typedef enum TflVerifyStatus {
    TFL_VERIFY_OK = 0,
    TFL_VERIFY_TOO_SMALL = 1,       ///< shorter than a flatbuffer header
    TFL_VERIFY_BAD_IDENTIFIER = 2,  ///< the file identifier is not "TFL3"
    TFL_VERIFY_ROOT_OUT_OF_RANGE = 3,  ///< the root offset points past the end: truncated
    TFL_VERIFY_FAILED = 4,          ///< the flatbuffers Verifier rejected the buffer
    TFL_VERIFY_TOO_LARGE = 5,       ///< over the 2 GiB a flatbuffer can address
} TflVerifyStatus;

/// Runs the flatbuffers Verifier over the whole buffer. Nothing else may be called on a buffer
/// for which this did not return TFL_VERIFY_OK.
TflVerifyStatus tfl_verify(const uint8_t *data, size_t size);

/// A borrowed run of bytes or elements inside the verified buffer.
typedef struct TflBytes {
    const uint8_t *data;
    size_t count;
} TflBytes;

typedef struct TflInts {
    const int32_t *data;
    size_t count;
    bool present;  ///< false when the field is absent (distinct from an empty vector)
} TflInts;

typedef struct TflModelInfo {
    uint32_t version;
    TflBytes description;
    size_t operator_code_count;
    size_t subgraph_count;
    size_t buffer_count;
    size_t metadata_count;
} TflModelInfo;

void tfl_model_info(const uint8_t *data, TflModelInfo *out);

typedef struct TflOperatorCode {
    int32_t builtin_code;  ///< max(deprecated_builtin_code, builtin_code), as TFLite resolves it
    TflBytes custom_code;  ///< empty unless the operator is CUSTOM
    int32_t version;
} TflOperatorCode;

bool tfl_operator_code(const uint8_t *data, size_t index, TflOperatorCode *out);

typedef struct TflBuffer {
    TflBytes data;        ///< inline data (may be empty)
    uint64_t offset;      ///< > 1: data lives at this file offset, outside the flatbuffer
    uint64_t size;        ///< with offset: its length in bytes
} TflBuffer;

bool tfl_buffer(const uint8_t *data, size_t index, TflBuffer *out);

typedef struct TflMetadata {
    TflBytes name;
    uint32_t buffer;
} TflMetadata;

bool tfl_metadata(const uint8_t *data, size_t index, TflMetadata *out);

typedef struct TflSubgraphInfo {
    TflBytes name;
    size_t tensor_count;
    size_t operator_count;
    TflInts inputs;
    TflInts outputs;
} TflSubgraphInfo;

bool tfl_subgraph(const uint8_t *data, size_t subgraph, TflSubgraphInfo *out);

typedef struct TflQuantization {
    bool present;
    const float *scale;
    size_t scale_count;
    const int64_t *zero_point;
    size_t zero_point_count;
    const float *min;
    size_t min_count;
    const float *max;
    size_t max_count;
    int32_t quantized_dimension;
    bool has_custom_details;  ///< custom quantization (refused later)
} TflQuantization;

typedef struct TflTensor {
    TflBytes name;
    TflInts shape;
    TflInts shape_signature;
    int8_t type;       ///< TFLite TensorType
    uint32_t buffer;   ///< index into the model's buffers; 0 = no data
    bool is_variable;
    bool is_sparse;    ///< sparsity parameters present (refused later)
    TflQuantization quantization;
} TflTensor;

bool tfl_tensor(const uint8_t *data, size_t subgraph, size_t tensor, TflTensor *out);

/// The union of the builtin option fields vtac reads. Which fields mean something depends on
/// `options_type` (the BuiltinOptions union tag, 0 = none); the Swift frontend turns this into
/// one typed value per operator kind. Defaults are the schema's defaults.
typedef struct TflOptions {
    uint8_t options_type;
    int8_t padding;
    int32_t stride_w, stride_h;
    int32_t dilation_w, dilation_h;
    int32_t filter_w, filter_h;
    int32_t depth_multiplier;
    int8_t fused_activation;
    int8_t weights_format;
    bool keep_num_dims;
    bool asymmetric_quantize_inputs;
    int8_t quantized_bias_type;
    float beta;
    float alpha;
    int32_t axis;
    int32_t batch_dims;
    int32_t num_splits;
    int32_t values_count;
    bool keep_dims;
    bool pot_scale_int16;
    bool align_corners;
    bool half_pixel_centers;
    int8_t mode;
    int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask;
    bool offset;
    TflInts new_shape;
    TflInts squeeze_dims;
} TflOptions;

typedef struct TflOperator {
    uint32_t opcode_index;
    TflInts inputs;
    TflInts outputs;
    TflInts intermediates;
    TflBytes custom_options;
    TflOptions options;
} TflOperator;

bool tfl_operator(const uint8_t *data, size_t subgraph, size_t op, TflOperator *out);

#ifdef __cplusplus
}
#endif

#endif
