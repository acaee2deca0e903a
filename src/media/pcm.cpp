#include "media/pcm.hpp"

namespace wzp::media {

uint32_t frame_ms_of(wire::CodecId codec) { return wire::codec_frame_duration_ms(codec); }

}  // namespace wzp::media
