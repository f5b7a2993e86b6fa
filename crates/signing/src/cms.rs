//! CMS SignedData (RFC 5652) as CAdES wants it, shared by PAdES signatures and the local
//! timestamp authority: the types are RustCrypto's `cms` and `x509-cert`; this module only fills
//! them in.
//!
//! The signed attributes are exactly those of a CAdES baseline B-B signature (ETSI EN 319 122-1
//! section 5.2): content-type, message-digest and the ESS signing-certificate-v2 (RFC 5035) that
//! binds the signer's certificate into what is signed. No signing-time: PAdES forbids it (EN
//! 319 142-1 section 5.4.3), the claimed time goes into the PDF signature dictionary's `/M`.

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::signer::{PkiError, SignatureAlgorithm, Signer};

pub(crate) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-aa-signatureTimeStampToken (RFC 3161 appendix A): the unsigned attribute of B-T.
pub(crate) const ID_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
pub(crate) const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// ESSCertIDv2 (RFC 5035 section 4): the hash algorithm is left out when it is SHA-256, its
/// default, as DER requires.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// IssuerSerial (RFC 5035 section 4).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// SigningCertificateV2 (RFC 5035 section 3), without policies.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

pub(crate) fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: ID_SHA256, parameters: None }
}

fn signature_algorithm(algorithm: SignatureAlgorithm) -> AlgorithmIdentifierOwned {
    match algorithm {
        SignatureAlgorithm::RsaPkcs1Sha256 => {
            AlgorithmIdentifierOwned { oid: SHA256_WITH_RSA, parameters: Some(Any::null()) }
        }
    }
}

fn attribute(oid: ObjectIdentifier, value: impl Encode) -> Result<Attribute, PkiError> {
    let der = value.to_der().map_err(PkiError::malformed("attribute"))?;
    let value = Any::from_der(&der).map_err(PkiError::malformed("attribute"))?;
    let values = SetOfVec::try_from(vec![value]).map_err(PkiError::malformed("attribute"))?;
    Ok(Attribute { oid, values })
}

/// A CAdES SignedData by `signer` over content whose SHA-256 is `content_digest`: detached
/// (`econtent` None, a PDF's byte ranges) or encapsulated (a timestamp's TSTInfo).
pub(crate) fn signed_data(
    signer: &dyn Signer,
    content_type: ObjectIdentifier,
    econtent: Option<&[u8]>,
    content_digest: &[u8; 32],
) -> Result<SignedData, PkiError> {
    let chain = signer.certificate_chain();
    let certificate = chain.first().ok_or_else(|| PkiError::Key("the signer has no certificate".into()))?;
    let certificate_der = certificate.to_der().map_err(PkiError::malformed("certificate"))?;
    let tbs = certificate.tbs_certificate();
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(crate::digest(&certificate_der).to_vec())
                .map_err(PkiError::malformed("attribute"))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            }),
        }],
    };
    let digest = OctetString::new(content_digest.to_vec()).map_err(PkiError::malformed("attribute"))?;
    let signed_attributes = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, content_type)?,
        attribute(ID_MESSAGE_DIGEST, digest)?,
        attribute(ID_SIGNING_CERTIFICATE_V2, ess)?,
    ])
    .map_err(PkiError::malformed("attributes"))?;
    // What is signed is the DER of the attributes as a SET OF (RFC 5652 section 5.4), not the
    // [0] IMPLICIT form they take inside the SignerInfo.
    let to_sign = signed_attributes.to_der().map_err(PkiError::malformed("attributes"))?;
    let signature = signer.sign_sha256(&crate::digest(&to_sign))?;

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(signed_attributes),
        signature_algorithm: signature_algorithm(signer.algorithm()),
        signature: OctetString::new(signature).map_err(PkiError::malformed("signature"))?,
        unsigned_attrs: None,
    };
    let certificates = chain.iter().cloned().map(cms::cert::CertificateChoices::Certificate).collect::<Vec<_>>();
    let econtent = econtent
        .map(|bytes| {
            let octets = OctetString::new(bytes.to_vec())?;
            Any::encode_from(&octets)
        })
        .transpose()
        .map_err(PkiError::malformed("content"))?;
    Ok(SignedData {
        // Version 3 when the content is not id-data (RFC 5652 section 5.1).
        version: if content_type == ID_DATA { CmsVersion::V1 } else { CmsVersion::V3 },
        digest_algorithms: SetOfVec::try_from(vec![sha256_algorithm()]).map_err(PkiError::malformed("algorithms"))?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: content_type, econtent },
        certificates: Some(CertificateSet::try_from(certificates).map_err(PkiError::malformed("certificates"))?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(PkiError::malformed("signer info"))?,
    })
}

/// The signature value of the only SignerInfo: what a signature timestamp covers.
pub(crate) fn signature_value(signed_data: &SignedData) -> &[u8] {
    signed_data.signer_infos.0.get(0).map_or(&[], |info| info.signature.as_bytes())
}

/// Adds an unsigned attribute to the only SignerInfo (the timestamp token of B-T).
pub(crate) fn add_unsigned_attribute(
    signed_data: SignedData,
    oid: ObjectIdentifier,
    value: Any,
) -> Result<SignedData, PkiError> {
    let mut infos = signed_data.signer_infos.0.into_vec();
    let info = infos.first_mut().ok_or_else(|| PkiError::Sign("no signer info".into()))?;
    let values = SetOfVec::try_from(vec![value]).map_err(PkiError::malformed("attribute"))?;
    let mut attributes = info.unsigned_attrs.take().unwrap_or_default();
    attributes.insert(Attribute { oid, values }).map_err(PkiError::malformed("attribute"))?;
    info.unsigned_attrs = Some(attributes);
    Ok(SignedData {
        signer_infos: SignerInfos::try_from(infos).map_err(PkiError::malformed("signer info"))?,
        ..signed_data
    })
}

/// The SignedData wrapped in its ContentInfo and encoded: a PDF's `/Contents`, a timestamp token.
pub(crate) fn to_content_info_der(signed_data: &SignedData) -> Result<Vec<u8>, PkiError> {
    let content = Any::encode_from(signed_data).map_err(PkiError::malformed("signed data"))?;
    ContentInfo { content_type: ID_SIGNED_DATA, content }.to_der().map_err(PkiError::malformed("signed data"))
}

/// The SignedData inside a ContentInfo's DER.
pub(crate) fn signed_data_from_der(der: &[u8]) -> Result<SignedData, PkiError> {
    let info = ContentInfo::from_der(der).map_err(PkiError::malformed("content info"))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(PkiError::Malformed { what: "content info", detail: "not signed data".into() });
    }
    info.content.decode_as::<SignedData>().map_err(PkiError::malformed("signed data"))
}
