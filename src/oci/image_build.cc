// image_build.cc: images and layers made from host directories (see image.h).
#include "oci/image.h"
#include "oci/tar_writer.h"

namespace uid2::oci {

Status AddTreeLayer(Image* image, const std::string& dir, int64_t mtime, std::string created_by) {
  if (!image->staging) {
    UID2_ASSIGN_OR_RETURN(TempDir tmp, TempDir::Create("shroud-image"));
    image->staging = std::make_shared<TempDir>(std::move(tmp));
  }
  UID2_RETURN_IF_ERROR(MakeDirs(image->staging->path() + "/new-layers"));
  std::string path =
      image->staging->path() + "/new-layers/" + std::to_string(image->layers.size()) + ".tar";
  UID2_ASSIGN_OR_RETURN(auto tar, TarWriter::Create(path, TarOptions{mtime, false, 6}));
  UID2_RETURN_IF_ERROR(tar->AddTree(dir, ""));
  UID2_RETURN_IF_ERROR(tar->Finish());
  Layer layer;
  layer.path = path;
  layer.diff_id = tar->tar_digest();
  layer.size = tar->size();
  layer.created_by = created_by.empty() ? "shroud" : std::move(created_by);
  image->layers.push_back(std::move(layer));
  return Ok();
}

Result<Image> NewImageFromTree(const std::string& dir, const RuntimeConfig& rc, int64_t mtime) {
  Image image;
  image.config_json = R"({"architecture":"amd64","os":"linux","config":{}})";
  UID2_RETURN_IF_ERROR(AddTreeLayer(&image, dir, mtime, "shroud: root filesystem"));
  UID2_RETURN_IF_ERROR(UpdateConfig(&image, rc, mtime));
  return image;
}

}  // namespace uid2::oci
