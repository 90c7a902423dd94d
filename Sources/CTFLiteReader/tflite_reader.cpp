// The C shim over flatc's generated reader (generated/tflite_subset_generated.h).
// Every entry point except tfl_verify() assumes a verified buffer; indices are still
// bounds-checked so that a caller's mistake returns false instead of reading out of range.
#include "tflite_reader.h"

#include <cstring>

#include "generated/tflite_subset_generated.h"

namespace {

using namespace vtac_tflite;

TflBytes bytesOf(const flatbuffers::String *s) {
    if (s == nullptr) return TflBytes{nullptr, 0};
    return TflBytes{reinterpret_cast<const uint8_t *>(s->c_str()), s->size()};
}

TflBytes bytesOf(const flatbuffers::Vector<uint8_t> *v) {
    if (v == nullptr) return TflBytes{nullptr, 0};
    return TflBytes{v->data(), v->size()};
}

TflInts intsOf(const flatbuffers::Vector<int32_t> *v) {
    if (v == nullptr) return TflInts{nullptr, 0, false};
    return TflInts{reinterpret_cast<const int32_t *>(v->data()), v->size(), true};
}

template <typename T>
void floatsOf(const flatbuffers::Vector<T> *v, const T **data, size_t *count) {
    *data = v ? reinterpret_cast<const T *>(v->data()) : nullptr;
    *count = v ? v->size() : 0;
}

const SubGraph *subgraphAt(const uint8_t *data, size_t index) {
    const Model *model = GetModel(data);
    auto subgraphs = model->subgraphs();
    if (subgraphs == nullptr || index >= subgraphs->size()) return nullptr;
    return subgraphs->Get(static_cast<flatbuffers::uoffset_t>(index));
}

void defaultOptions(TflOptions *o) {
    std::memset(o, 0, sizeof(*o));
    o->dilation_w = 1;
    o->dilation_h = 1;
    o->pot_scale_int16 = true;
}

// Copies the fields of whichever options table the operator carries into the flat struct.
void readOptions(const Operator *op, TflOptions *o) {
    defaultOptions(o);
    o->options_type = static_cast<uint8_t>(op->builtin_options_type());
    if (auto c = op->builtin_options_as_Conv2DOptions()) {
        o->padding = static_cast<int8_t>(c->padding());
        o->stride_w = c->stride_w();
        o->stride_h = c->stride_h();
        o->fused_activation = static_cast<int8_t>(c->fused_activation_function());
        o->dilation_w = c->dilation_w_factor();
        o->dilation_h = c->dilation_h_factor();
        o->quantized_bias_type = static_cast<int8_t>(c->quantized_bias_type());
    } else if (auto d = op->builtin_options_as_DepthwiseConv2DOptions()) {
        o->padding = static_cast<int8_t>(d->padding());
        o->stride_w = d->stride_w();
        o->stride_h = d->stride_h();
        o->depth_multiplier = d->depth_multiplier();
        o->fused_activation = static_cast<int8_t>(d->fused_activation_function());
        o->dilation_w = d->dilation_w_factor();
        o->dilation_h = d->dilation_h_factor();
    } else if (auto p = op->builtin_options_as_Pool2DOptions()) {
        o->padding = static_cast<int8_t>(p->padding());
        o->stride_w = p->stride_w();
        o->stride_h = p->stride_h();
        o->filter_w = p->filter_width();
        o->filter_h = p->filter_height();
        o->fused_activation = static_cast<int8_t>(p->fused_activation_function());
    } else if (auto f = op->builtin_options_as_FullyConnectedOptions()) {
        o->fused_activation = static_cast<int8_t>(f->fused_activation_function());
        o->weights_format = static_cast<int8_t>(f->weights_format());
        o->keep_num_dims = f->keep_num_dims();
        o->asymmetric_quantize_inputs = f->asymmetric_quantize_inputs();
        o->quantized_bias_type = static_cast<int8_t>(f->quantized_bias_type());
    } else if (auto s = op->builtin_options_as_SoftmaxOptions()) {
        o->beta = s->beta();
    } else if (auto c = op->builtin_options_as_ConcatenationOptions()) {
        o->axis = c->axis();
        o->fused_activation = static_cast<int8_t>(c->fused_activation_function());
    } else if (auto a = op->builtin_options_as_AddOptions()) {
        o->fused_activation = static_cast<int8_t>(a->fused_activation_function());
        o->pot_scale_int16 = a->pot_scale_int16();
    } else if (auto s = op->builtin_options_as_SubOptions()) {
        o->fused_activation = static_cast<int8_t>(s->fused_activation_function());
        o->pot_scale_int16 = s->pot_scale_int16();
    } else if (auto m = op->builtin_options_as_MulOptions()) {
        o->fused_activation = static_cast<int8_t>(m->fused_activation_function());
    } else if (auto d = op->builtin_options_as_DivOptions()) {
        o->fused_activation = static_cast<int8_t>(d->fused_activation_function());
    } else if (auto r = op->builtin_options_as_ReshapeOptions()) {
        o->new_shape = intsOf(r->new_shape());
    } else if (auto r = op->builtin_options_as_ReducerOptions()) {
        o->keep_dims = r->keep_dims();
    } else if (auto s = op->builtin_options_as_SqueezeOptions()) {
        o->squeeze_dims = intsOf(s->squeeze_dims());
    } else if (auto l = op->builtin_options_as_LeakyReluOptions()) {
        o->alpha = l->alpha();
    } else if (auto g = op->builtin_options_as_GatherOptions()) {
        o->axis = g->axis();
        o->batch_dims = g->batch_dims();
    } else if (auto s = op->builtin_options_as_StridedSliceOptions()) {
        o->begin_mask = s->begin_mask();
        o->end_mask = s->end_mask();
        o->ellipsis_mask = s->ellipsis_mask();
        o->new_axis_mask = s->new_axis_mask();
        o->shrink_axis_mask = s->shrink_axis_mask();
        o->offset = s->offset();
    } else if (auto s = op->builtin_options_as_SplitOptions()) {
        o->num_splits = s->num_splits();
    } else if (auto p = op->builtin_options_as_PackOptions()) {
        o->values_count = p->values_count();
        o->axis = p->axis();
    } else if (auto r = op->builtin_options_as_ResizeBilinearOptions()) {
        o->align_corners = r->align_corners();
        o->half_pixel_centers = r->half_pixel_centers();
    } else if (auto r = op->builtin_options_as_ResizeNearestNeighborOptions()) {
        o->align_corners = r->align_corners();
        o->half_pixel_centers = r->half_pixel_centers();
    } else if (auto t = op->builtin_options_as_TransposeConvOptions()) {
        o->padding = static_cast<int8_t>(t->padding());
        o->stride_w = t->stride_w();
        o->stride_h = t->stride_h();
        o->fused_activation = static_cast<int8_t>(t->fused_activation_function());
    } else if (auto m = op->builtin_options_as_MirrorPadOptions()) {
        o->mode = m->mode();
    }
}

}  // namespace

extern "C" {

TflVerifyStatus tfl_verify(const uint8_t *data, size_t size) {
    // A flatbuffer starts with a 4-byte root offset and a 4-byte file identifier.
    if (data == nullptr || size < 8) return TFL_VERIFY_TOO_SMALL;
    if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) return TFL_VERIFY_TOO_LARGE;
    if (!flatbuffers::BufferHasIdentifier(data, ModelIdentifier())) return TFL_VERIFY_BAD_IDENTIFIER;
    uint32_t root = flatbuffers::ReadScalar<uint32_t>(data);
    if (static_cast<size_t>(root) + 4 > size) return TFL_VERIFY_ROOT_OUT_OF_RANGE;
    flatbuffers::Verifier verifier(data, size, /*max_depth=*/64, /*max_tables=*/10000000);
    return VerifyModelBuffer(verifier) ? TFL_VERIFY_OK : TFL_VERIFY_FAILED;
}

void tfl_model_info(const uint8_t *data, TflModelInfo *out) {
    const Model *model = GetModel(data);
    out->version = model->version();
    out->description = bytesOf(model->description());
    out->operator_code_count = model->operator_codes() ? model->operator_codes()->size() : 0;
    out->subgraph_count = model->subgraphs() ? model->subgraphs()->size() : 0;
    out->buffer_count = model->buffers() ? model->buffers()->size() : 0;
    out->metadata_count = model->metadata() ? model->metadata()->size() : 0;
}

bool tfl_operator_code(const uint8_t *data, size_t index, TflOperatorCode *out) {
    auto codes = GetModel(data)->operator_codes();
    if (codes == nullptr || index >= codes->size()) return false;
    const OperatorCode *code = codes->Get(static_cast<flatbuffers::uoffset_t>(index));
    int32_t deprecated = code->deprecated_builtin_code();
    int32_t extended = code->builtin_code();
    out->builtin_code = deprecated > extended ? deprecated : extended;
    out->custom_code = bytesOf(code->custom_code());
    out->version = code->version();
    return true;
}

bool tfl_buffer(const uint8_t *data, size_t index, TflBuffer *out) {
    auto buffers = GetModel(data)->buffers();
    if (buffers == nullptr || index >= buffers->size()) return false;
    const Buffer *buffer = buffers->Get(static_cast<flatbuffers::uoffset_t>(index));
    out->data = bytesOf(buffer->data());
    out->offset = buffer->offset();
    out->size = buffer->size();
    return true;
}

bool tfl_metadata(const uint8_t *data, size_t index, TflMetadata *out) {
    auto metadata = GetModel(data)->metadata();
    if (metadata == nullptr || index >= metadata->size()) return false;
    const Metadata *entry = metadata->Get(static_cast<flatbuffers::uoffset_t>(index));
    out->name = bytesOf(entry->name());
    out->buffer = entry->buffer();
    return true;
}

bool tfl_subgraph(const uint8_t *data, size_t index, TflSubgraphInfo *out) {
    const SubGraph *subgraph = subgraphAt(data, index);
    if (subgraph == nullptr) return false;
    out->name = bytesOf(subgraph->name());
    out->tensor_count = subgraph->tensors() ? subgraph->tensors()->size() : 0;
    out->operator_count = subgraph->operators() ? subgraph->operators()->size() : 0;
    out->inputs = intsOf(subgraph->inputs());
    out->outputs = intsOf(subgraph->outputs());
    return true;
}

bool tfl_tensor(const uint8_t *data, size_t subgraph_index, size_t index, TflTensor *out) {
    const SubGraph *subgraph = subgraphAt(data, subgraph_index);
    if (subgraph == nullptr || subgraph->tensors() == nullptr) return false;
    if (index >= subgraph->tensors()->size()) return false;
    const Tensor *tensor = subgraph->tensors()->Get(static_cast<flatbuffers::uoffset_t>(index));
    std::memset(out, 0, sizeof(*out));
    out->name = bytesOf(tensor->name());
    out->shape = intsOf(tensor->shape());
    out->shape_signature = intsOf(tensor->shape_signature());
    out->type = static_cast<int8_t>(tensor->type());
    out->buffer = tensor->buffer();
    out->is_variable = tensor->is_variable();
    out->is_sparse = tensor->sparsity() != nullptr;
    const QuantizationParameters *q = tensor->quantization();
    if (q != nullptr) {
        TflQuantization &dst = out->quantization;
        dst.present = true;
        floatsOf(q->scale(), &dst.scale, &dst.scale_count);
        floatsOf(q->zero_point(), &dst.zero_point, &dst.zero_point_count);
        floatsOf(q->min(), &dst.min, &dst.min_count);
        floatsOf(q->max(), &dst.max, &dst.max_count);
        dst.quantized_dimension = q->quantized_dimension();
        dst.has_custom_details = q->details_type() != QuantizationDetails_NONE;
    }
    return true;
}

bool tfl_operator(const uint8_t *data, size_t subgraph_index, size_t index, TflOperator *out) {
    const SubGraph *subgraph = subgraphAt(data, subgraph_index);
    if (subgraph == nullptr || subgraph->operators() == nullptr) return false;
    if (index >= subgraph->operators()->size()) return false;
    const Operator *op = subgraph->operators()->Get(static_cast<flatbuffers::uoffset_t>(index));
    out->opcode_index = op->opcode_index();
    out->inputs = intsOf(op->inputs());
    out->outputs = intsOf(op->outputs());
    out->intermediates = intsOf(op->intermediates());
    out->custom_options = bytesOf(op->custom_options());
    readOptions(op, &out->options);
    return true;
}

}  // extern "C"
