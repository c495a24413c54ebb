// SPDX-License-Identifier: MIT
#include "graph.hpp"

namespace tern::builder::detail {

uint64_t element_count(const Shape& shape) {
    uint64_t n = 1;
    for (uint64_t d : shape) {
        n *= d;
    }
    return n;
}

std::string shape_str(const Shape& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        s += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return s + "]";
}

bool is_float(DType dtype) {
    return dtype == DType::kFp32 || dtype == DType::kBf16 || dtype == DType::kFp16;
}

const char* unary_name(UnaryOp op) {
    switch (op) {
        case UnaryOp::kRelu:
            return "relu";
        case UnaryOp::kGelu:
            return "gelu";
        case UnaryOp::kGeluTanh:
            return "gelu_tanh";
        case UnaryOp::kSilu:
            return "silu";
        case UnaryOp::kSigmoid:
            return "sigmoid";
        case UnaryOp::kTanh:
            return "tanh";
        case UnaryOp::kExp:
            return "exp";
        case UnaryOp::kLog:
            return "log";
        case UnaryOp::kSqrt:
            return "sqrt";
        case UnaryOp::kRsqrt:
            return "rsqrt";
        case UnaryOp::kNeg:
            return "neg";
        case UnaryOp::kAbs:
            return "abs";
    }
    return "unary";
}

const char* binary_name(BinaryOp op) {
    switch (op) {
        case BinaryOp::kAdd:
            return "add";
        case BinaryOp::kSub:
            return "sub";
        case BinaryOp::kMul:
            return "mul";
        case BinaryOp::kDiv:
            return "div";
        case BinaryOp::kMax:
            return "maximum";
        case BinaryOp::kMin:
            return "minimum";
    }
    return "binary";
}

const char* reduce_name(ReduceOp op) {
    switch (op) {
        case ReduceOp::kSum:
            return "reduce_sum";
        case ReduceOp::kMax:
            return "reduce_max";
        case ReduceOp::kMean:
            return "reduce_mean";
    }
    return "reduce";
}

const char* pool_name(PoolOp op) {
    return op == PoolOp::kMax ? "maxpool2d" : "avgpool2d";
}

}  // namespace tern::builder::detail
