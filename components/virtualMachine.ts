import * as pulumi from "@pulumi/pulumi";
import { checkRequiredArgs } from "./args";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";

/** OpenSSH public key types accepted for the VM admin user. */
export const SSH_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];

/** Minimum RSA modulus size accepted (Azure requires ≥ 2048 bits for RSA SSH keys). */
export const MIN_RSA_BITS = 2048;

const SSH_SETTING = "sshPublicKey";
const SSH_FIX = "paste the single line of your OpenSSH .pub file (e.g. ~/.ssh/id_ed25519.pub)";

/** ECDSA curve name and uncompressed point length (0x04 || X || Y) per key type. */
const ECDSA_CURVES: Record<string, { curve: string; pointLength: number }> = {
  "ecdsa-sha2-nistp256": { curve: "nistp256", pointLength: 65 },
  "ecdsa-sha2-nistp384": { curve: "nistp384", pointLength: 97 },
  "ecdsa-sha2-nistp521": { curve: "nistp521", pointLength: 133 },
};

/** A short, single-line rendering of a key for error messages (public keys are not secret, but long). */
function preview(key: string): string {
  const flat = key.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > 32 ? `${flat.slice(0, 32)}…` : flat);
}

/** Reads SSH wire-format fields (RFC 4251 §5: uint32 length + bytes). */
class WireReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  /** The next length-prefixed field, or `undefined` when the buffer is truncated. */
  next(): Buffer | undefined {
    if (this.offset + 4 > this.buf.length) {
      return undefined;
    }
    const len = this.buf.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + len > this.buf.length) {
      return undefined;
    }
    this.offset = start + len;
    return this.buf.subarray(start, start + len);
  }
  get remaining(): number {
    return this.buf.length - this.offset;
  }
}

/** Bit length of an SSH mpint (big-endian two's complement, possibly with a leading 0x00). */
function mpintBits(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) {
    i++;
  }
  if (i === bytes.length) {
    return 0;
  }
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
}

/**
 * Validates an OpenSSH public key line (`<type> <base64> [comment]`) for the VM admin user and
 * returns an error message naming the setting, the (shortened) value and the fix, or `undefined`
 * when the key is acceptable. Checks: one line, no private key, a supported type (ssh-ed25519,
 * ssh-rsa ≥ 2048 bits, ecdsa-sha2-nistp256/384/521), strict base64, and that the key type
 * embedded in the decoded body matches the declared type and the body is well formed. Pure.
 */
export function validateSshPublicKey(key: string): string | undefined {
  if (key.trim() === "") {
    return `${SSH_SETTING} is empty: ${SSH_FIX}.`;
  }
  if (/PRIVATE KEY/.test(key)) {
    // Never echo any part of a private key.
    return `${SSH_SETTING} contains a PRIVATE key: remove it from the config at once and ${SSH_FIX} instead.`;
  }
  if (/BEGIN SSH2 PUBLIC KEY/.test(key)) {
    return (
      `${SSH_SETTING} ${preview(key)} is in SSH2 (RFC 4716/PuTTY) format: convert it with ` +
      `\`ssh-keygen -i -f <file>\` and use the resulting OpenSSH line.`
    );
  }
  const lines = key.trim().split(/\r?\n/);
  if (lines.length > 1) {
    return `${SSH_SETTING} ${preview(key)} spans ${lines.length} lines: ${SSH_FIX}.`;
  }
  const [type, body] = lines[0].trim().split(/\s+/);
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) {
    return (
      `${SSH_SETTING} ${preview(key)} has unsupported key type ${JSON.stringify(type)}: use ` +
      `ssh-ed25519 (recommended), ssh-rsa (≥ ${MIN_RSA_BITS} bits) or ecdsa-sha2-nistp256/384/521.`
    );
  }
  if (body === undefined) {
    return `${SSH_SETTING} ${preview(key)} has no key data after ${JSON.stringify(type)}: ${SSH_FIX}.`;
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) {
    return `${SSH_SETTING} ${preview(key)} has key data that is not valid base64: ${SSH_FIX}.`;
  }
  const reader = new WireReader(Buffer.from(body, "base64"));
  const embedded = reader.next()?.toString("latin1");
  if (embedded === undefined) {
    return `${SSH_SETTING} ${preview(key)} has truncated key data: ${SSH_FIX}.`;
  }
  if (embedded !== type) {
    return (
      `${SSH_SETTING} ${preview(key)} declares type ${JSON.stringify(type)} but its key data encodes ` +
      `${JSON.stringify(embedded)}: the line was edited or mixed up; ${SSH_FIX}.`
    );
  }
  const malformed = `${SSH_SETTING} ${preview(key)} has malformed ${type} key data: ${SSH_FIX}.`;
  if (type === "ssh-ed25519") {
    const pk = reader.next();
    return pk?.length === 32 && reader.remaining === 0 ? undefined : malformed;
  }
  if (type === "ssh-rsa") {
    const e = reader.next();
    const n = reader.next();
    if (e === undefined || n === undefined || reader.remaining !== 0 || mpintBits(e) === 0) {
      return malformed;
    }
    const bits = mpintBits(n);
    if (bits < MIN_RSA_BITS) {
      return (
        `${SSH_SETTING} ${preview(key)} is a ${bits}-bit RSA key: Azure requires at least ` +
        `${MIN_RSA_BITS} bits. Generate a new key with \`ssh-keygen -t ed25519\` (or \`-t rsa -b 4096\`).`
      );
    }
    return undefined;
  }
  const { curve, pointLength } = ECDSA_CURVES[type];
  const curveName = reader.next()?.toString("latin1");
  const point = reader.next();
  if (
    curveName !== curve ||
    point === undefined ||
    point.length !== pointLength ||
    point[0] !== 4 ||
    reader.remaining !== 0
  ) {
    return malformed;
  }
  return undefined;
}

/** Usernames Azure rejects for a VM admin account (ARM `osProfile.adminUsername` "Disallowed values", as in the azure-native compute typings). */
export const RESERVED_ADMIN_USERNAMES: readonly string[] = [
  "1",
  "123",
  "a",
  "actuser",
  "adm",
  "admin",
  "admin1",
  "admin2",
  "administrator",
  "aspnet",
  "backup",
  "console",
  "david",
  "guest",
  "john",
  "owner",
  "root",
  "server",
  "sql",
  "support",
  "support_388945a0",
  "sys",
  "test",
  "test1",
  "test2",
  "test3",
  "user",
  "user1",
  "user2",
  "user3",
  "user4",
  "user5",
];

/**
 * Validates a Linux admin username: 1–32 chars, lowercase letter or `_` first, then lowercase
 * letters, digits, `_` or `-`, and not one of Azure's reserved names. Returns the error message or
 * `undefined`. Pure.
 */
export function validateAdminUsername(username: string): string | undefined {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(username)) {
    return (
      `adminUsername ${JSON.stringify(username)} is not a valid Linux user name: use 1–32 lowercase ` +
      `letters, digits, "_" or "-", starting with a letter or "_" (e.g. azureuser).`
    );
  }
  if (RESERVED_ADMIN_USERNAMES.includes(username)) {
    return `adminUsername ${JSON.stringify(username)} is reserved by Azure: choose another name (e.g. azureuser).`;
  }
  return undefined;
}

/** Ubuntu 24.04 LTS, Hyper-V generation 2 (`server`; `server-gen1` is generation 1), x64. */
export const UBUNTU_2404_GEN2_IMAGE = {
  publisher: "Canonical",
  offer: "ubuntu-24_04-lts",
  sku: "server",
  version: "latest",
} as const;

export type OsDiskType = "Premium_LRS" | "StandardSSD_LRS";

export interface LinuxVirtualMachineArgs {
  /** Required. Resource group of the VM, its NIC and disk. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Optional. Azure region. Defaults to the provider's `azure-native:location`. */
  readonly location?: pulumi.Input<string>;
  /** Required. ARM id of the subnet the NIC joins (the Network component's `vmSubnetId`). */
  readonly subnetId: pulumi.Input<string>;
  /** Optional. VM size. Defaults to `Standard_B2s` (supports trusted launch and premium disks). */
  readonly size?: pulumi.Input<string>;
  /** Required. Linux admin user name (plain, validated; see {@link validateAdminUsername}). */
  readonly adminUsername: string;
  /**
   * Required. OpenSSH public key of the admin user (plain, validated; see
   * {@link validateSshPublicKey}). Password authentication is always disabled.
   */
  readonly sshPublicKey: string;
  /**
   * Optional. ARM resource ids of user-assigned identities attached besides the system-assigned
   * one (identity type `SystemAssigned, UserAssigned`). Defaults to none (`SystemAssigned` only).
   */
  readonly userAssignedIdentityIds?: readonly pulumi.Input<string>[];
  /**
   * Optional. User-assigned identities to attach, as components (e.g. `UserAssignedIdentity`); added to
   * `userAssignedIdentityIds`. Defaults to none.
   */
  /**
   * Optional. Trusted launch (Secure Boot + vTPM, Gen2 image). For security reasons it is on unless this is
   * explicitly `false` — only for a VM size or image that does not support it; the
   * `vm-enables-trusted-launch` policy rule then fails (disable it in the pack config deliberately).
   * Defaults to `true`.
   */
  readonly trustedLaunch?: boolean;
  readonly userAssignedIdentities?: readonly { readonly id: pulumi.Input<string> }[];
  /**
   * Optional. Attach a Standard static public IP to the NIC. For security reasons the VM has no
   * public IP unless this is explicitly `true`: it is operated through run command. Defaults to `false`.
   */
  readonly publicIp?: boolean;
  /** Optional. Managed OS disk type. Defaults to `StandardSSD_LRS`. */
  readonly osDiskType?: OsDiskType;
  /** Optional. OS disk size in GiB. Defaults to the image size (30 GiB for Ubuntu). */
  readonly osDiskSizeGb?: pulumi.Input<number>;
  /** Optional. Marketplace image. Defaults to {@link UBUNTU_2404_GEN2_IMAGE} (must be gen2 for trusted launch). */
  readonly imageReference?: pulumi.Input<{
    publisher: pulumi.Input<string>;
    offer: pulumi.Input<string>;
    sku: pulumi.Input<string>;
    version: pulumi.Input<string>;
  }>;
  /** Optional. Physical VM name (also the computer name). Defaults to an auto-name from `${name}-vm`. */
  readonly vmName?: pulumi.Input<string>;
  /**
   * Optional. Linux host name (immutable after creation). Defaults to the logical name with
   * characters other than letters, digits and `-` replaced by `-`, cut to 63 characters.
   */
  readonly computerName?: pulumi.Input<string>;
  /** Optional. Tags on the VM, NIC and public IP. Defaults to none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A valid Linux host name derived from a logical name (pure). */
export function defaultComputerName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9-]/g, "-")
    .replace(/^-+/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return cleaned === "" ? "vm" : cleaned;
}

/**
 * An SSH-key-only Ubuntu VM with a system-assigned identity (plus optional user-assigned ones),
 * trusted launch (secure boot + vTPM), managed boot diagnostics, no public IP by default and the
 * VM agent provisioned (managed run command needs it).
 */
export class LinuxVirtualMachine extends pulumi.ComponentResource {
  /** The network interface child (private IP in the given subnet). */
  public readonly nic: network.NetworkInterface;
  /** The public IP child, only when `publicIp: true`. */
  public readonly publicIpAddress?: network.PublicIPAddress;
  /** The virtual machine child. */
  public readonly vm: compute.VirtualMachine;
  /** ARM id of the VM. */
  public readonly id: pulumi.Output<string>;
  /** Azure name of the VM (what a run command's `vmName` takes). */
  public readonly name: pulumi.Output<string>;
  /** Resource group of the VM (so a `VmVerification` can take the VM itself). */
  public readonly resourceGroupName: pulumi.Output<string>;
  /** Azure region of the VM. */
  public readonly location: pulumi.Output<string>;
  /** Object id of the VM's system-assigned identity. */
  public readonly principalId: pulumi.Output<string>;
  /** Private IPv4 address of the NIC. */
  public readonly privateIpAddress: pulumi.Output<string>;
  /** The user-assigned identity ids attached (empty when none). */
  public readonly userAssignedIdentityIds: pulumi.Output<string[]>;

  constructor(name: string, args: LinuxVirtualMachineArgs, opts?: pulumi.ComponentResourceOptions) {
    checkRequiredArgs("LinuxVirtualMachine", name, args, [
      { key: "resourceGroupName", fix: "pass the resource group's name (e.g. rg.name)" },
      { key: "subnetId", fix: "pass the ARM id of the VM's subnet (e.g. network.vmSubnetId)" },
      { key: "adminUsername", fix: 'pass the Linux admin user name, e.g. "azureuser"' },
      { key: "sshPublicKey", fix: "pass the admin's OpenSSH public key (ssh-ed25519 or ssh-rsa)" },
    ]);
    super("zerocred:compute:LinuxVirtualMachine", name, {}, opts);

    const problem =
      validateAdminUsername(args.adminUsername) ?? validateSshPublicKey(args.sshPublicKey);
    if (problem !== undefined) {
      throw new pulumi.ResourceError(problem, this, true);
    }
    const osDiskType = args.osDiskType ?? "StandardSSD_LRS";
    if (osDiskType !== "Premium_LRS" && osDiskType !== "StandardSSD_LRS") {
      throw new pulumi.ResourceError(
        `osDiskType ${JSON.stringify(osDiskType)} is not supported: use Premium_LRS or StandardSSD_LRS.`,
        this,
        true,
      );
    }

    if (args.publicIp === true) {
      this.publicIpAddress = new network.PublicIPAddress(
        `${name}-pip`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          sku: { name: "Standard" },
          publicIPAllocationMethod: "Static",
          tags: args.tags,
        },
        { parent: this },
      );
    }

    this.nic = new network.NetworkInterface(
      `${name}-nic`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        ipConfigurations: [
          {
            name: "primary",
            primary: true,
            subnet: { id: args.subnetId },
            privateIPAllocationMethod: "Dynamic",
            publicIPAddress: this.publicIpAddress ? { id: this.publicIpAddress.id } : undefined,
          },
        ],
        tags: args.tags,
      },
      { parent: this },
    );

    const uaiIds = [
      ...(args.userAssignedIdentityIds ?? []),
      ...(args.userAssignedIdentities ?? []).map((i) => i.id),
    ];
    const identity =
      uaiIds.length > 0
        ? {
            type: compute.ResourceIdentityType.SystemAssigned_UserAssigned,
            userAssignedIdentities: uaiIds,
          }
        : { type: compute.ResourceIdentityType.SystemAssigned };

    this.vm = new compute.VirtualMachine(
      `${name}-vm`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        vmName: args.vmName,
        hardwareProfile: { vmSize: args.size ?? "Standard_B2s" },
        identity,
        storageProfile: {
          imageReference: args.imageReference ?? { ...UBUNTU_2404_GEN2_IMAGE },
          osDisk: {
            createOption: "FromImage",
            caching: "ReadWrite",
            deleteOption: "Delete",
            diskSizeGB: args.osDiskSizeGb,
            managedDisk: { storageAccountType: osDiskType },
          },
        },
        osProfile: {
          // Required by ARM for platform images; immutable after creation.
          computerName: args.computerName ?? defaultComputerName(name),
          adminUsername: args.adminUsername,
          linuxConfiguration: {
            disablePasswordAuthentication: true,
            provisionVMAgent: true,
            ssh: {
              publicKeys: [
                {
                  path: `/home/${args.adminUsername}/.ssh/authorized_keys`,
                  keyData: args.sshPublicKey.trim(),
                },
              ],
            },
          },
        },
        // Trusted launch unless explicitly off (a size or image that does not support it); the
        // vm-enables-trusted-launch policy rule flags the override.
        ...((args.trustedLaunch ?? true)
          ? {
              securityProfile: {
                securityType: "TrustedLaunch",
                uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
              },
            }
          : {}),
        // No storageUri: boot diagnostics go to a platform-managed storage account.
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        networkProfile: {
          networkInterfaces: [{ id: this.nic.id, primary: true, deleteOption: "Delete" }],
        },
        tags: args.tags,
      },
      { parent: this },
    );

    this.id = this.vm.id;
    this.name = this.vm.name;
    this.resourceGroupName = pulumi.output(args.resourceGroupName);
    this.location = this.vm.location;
    this.principalId = this.vm.identity.apply((i) => {
      if (!i?.principalId) {
        throw new Error(`VM ${name} has no system-assigned identity principalId in its outputs.`);
      }
      return i.principalId;
    });
    this.privateIpAddress = this.nic.ipConfigurations.apply(
      (configs) => configs?.[0]?.privateIPAddress ?? "",
    );
    this.userAssignedIdentityIds = pulumi.output(uaiIds);

    this.registerOutputs({
      id: this.id,
      name: this.name,
      principalId: this.principalId,
      privateIpAddress: this.privateIpAddress,
      userAssignedIdentityIds: this.userAssignedIdentityIds,
      resourceGroupName: this.resourceGroupName,
      location: this.location,
    });
  }
}
